package record

import (
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

// TestExpectKeyframes: the documented sizing rule of the metadata
// reserve.
func TestExpectKeyframes(t *testing.T) {
	gop2s := gopStats{ms: 2000, frames: 60 + 86, bytes: 675 << 10} // 2 s of a 2.7 Mbit/s stream
	tests := []struct {
		name string
		rec  conf.Recorder
		gop  gopStats
		want int
	}{
		{"no limits", conf.Recorder{}, gop2s, maxIndex},
		{"no limits, GOP unknown", conf.Recorder{}, gopStats{}, maxIndex},
		{"interval 10m", conf.Recorder{Interval: 10 * time.Minute, IntervalSet: true}, gop2s, 300 + 75 + 4},
		{"interval 10m, GOP unknown", conf.Recorder{Interval: 10 * time.Minute, IntervalSet: true}, gopStats{}, 600 + 150 + 4},
		{"interval 0", conf.Recorder{IntervalSet: true}, gop2s, 4},
		{"max size 10M", conf.Recorder{MaxSize: 10 << 20}, gop2s, 15 + 3 + 4},
		{"max size 1K, GOP unknown", conf.Recorder{MaxSize: 1 << 10}, gopStats{}, 4},
		{"max frames 2k", conf.Recorder{MaxFrames: 2048}, gop2s, 14 + 3 + 4},
		{"least wins", conf.Recorder{Interval: time.Hour, IntervalSet: true, MaxSize: 10 << 20}, gop2s, 22},
		{"day-long interval", conf.Recorder{Interval: 24 * time.Hour, IntervalSet: true}, gop2s, maxIndex},
	}
	for _, tt := range tests {
		if got := expectKeyframes(&tt.rec, tt.gop); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
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
		flags conf.RecordFlags
		codec seen
		index bool
	}{
		{"audio only", all, seen{audio: aacSeqPayload, meta: audioMeta}, false},
		{"nothing known yet", all, seen{}, false},
		{"video sequence header", all, seen{video: avcSeqPayload(0)}, true},
		{"video codec seen", all, seen{video: []byte{0x22, 0}}, true},
		{"metadata announces a video codec", all, seen{audio: aacSeqPayload,
			meta: meta(amf.Property{Key: "videocodecid", Value: 7.0})}, true},
		{"metadata announces a picture size", all, seen{
			meta: meta(amf.Property{Key: "width", Value: 640.0}, amf.Property{Key: "height", Value: 360.0})}, true},
		{"video known, audio recorder", conf.RecordAudio, seen{video: avcSeqPayload(0)}, false},
	}
	for _, tt := range tests {
		r := newRig(t, newRecorder(t, "", tt.flags))
		if tt.codec.video != nil {
			r.src.media.Media(media.TypeVideo, 0, tt.codec.video)
		}
		if tt.codec.audio != nil {
			r.src.media.Media(media.TypeAudio, 0, tt.codec.audio)
		}
		if tt.codec.meta != nil {
			r.src.setMetadata(tt.codec.meta)
		}
		o := r.h.nodes[0].writerOptions()
		bare := reserveFor(&o.meta.fields, 0)
		if got := o.meta.reserve > bare; got != tt.index {
			t.Errorf("%s: reserve %d bytes (%d without index): index room %v, want %v", tt.name, o.meta.reserve, bare, got, tt.index)
		}
		if !tt.index && o.meta.reserve > 1<<10 {
			t.Errorf("%s: %d bytes reserved without video", tt.name, o.meta.reserve)
		}
	}
}
