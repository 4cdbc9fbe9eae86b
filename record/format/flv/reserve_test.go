package flv

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

// TestReserveWithoutLimits: the room of a file without limits (the
// largest index) stays below 76 KiB.
func TestReserveWithoutLimits(t *testing.T) {
	var f metaFields
	if r := reserveFor(&f, maxIndex); r > 76<<10 {
		t.Errorf("reserve for a file without limits: %d bytes", r)
	}
}

// TestIndexRoomOnlyWhenVideoIsKnown: a file reserves keyframe index room
// only when, at its open, the stream has shown video (a sequence header or
// a frame) or announced it in its onMetaData; an audio-only stream's file
// gets a room of a few hundred bytes.
func TestIndexRoomOnlyWhenVideoIsKnown(t *testing.T) {
	meta := func(props ...amf.Property) []byte {
		b, _ := amf.Append(nil, "onMetaData", amf.ECMAArray(props))
		return b
	}
	audioMeta := meta(amf.Property{Key: "audiocodecid", Value: 10.0}, amf.Property{Key: "encoder", Value: "Lavf"})
	// What the session has seen before the open: one video and one audio
	// message at most, and the publisher's onMetaData.
	type seen struct{ video, audio, meta []byte }
	tests := []struct {
		name  string
		video bool // the recorder records video
		codec seen
		index bool
	}{
		{"audio only", true, seen{audio: aacSeqPayload, meta: audioMeta}, false},
		{"nothing known yet", true, seen{}, false},
		{"video sequence header", true, seen{video: avcSeqPayload(0)}, true},
		{"video codec seen", true, seen{video: []byte{0x22, 0}}, true},
		{"metadata announces a video codec", true, seen{audio: aacSeqPayload,
			meta: meta(amf.Property{Key: "videocodecid", Value: 7.0})}, true},
		{"metadata announces a picture size", true, seen{
			meta: meta(amf.Property{Key: "width", Value: 640.0}, amf.Property{Key: "height", Value: 360.0})}, true},
		{"video known, audio recorder", false, seen{video: avcSeqPayload(0)}, false},
	}
	for _, tt := range tests {
		var p media.Parser
		if tt.codec.video != nil {
			p.Media(media.TypeVideo, 0, tt.codec.video)
		}
		if tt.codec.audio != nil {
			p.Media(media.TypeAudio, 0, tt.codec.audio)
		}
		if tt.codec.meta != nil {
			p.SetMetadata(tt.codec.meta)
		}
		// As a recorder without limits opens a file (record.writerOptions).
		o := newOptions(format.Options{Codec: p.State(), Video: tt.video, ExpectKeys: maxIndex})
		bare := reserveFor(&o.meta.fields, 0)
		if got := o.meta.reserve > bare; got != tt.index {
			t.Errorf("%s: reserve %d bytes (%d without index): index room %v, want %v", tt.name, o.meta.reserve, bare, got, tt.index)
		}
		if !tt.index && o.meta.reserve > 1<<10 {
			t.Errorf("%s: %d bytes reserved without video", tt.name, o.meta.reserve)
		}
	}
}
