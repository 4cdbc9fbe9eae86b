package rtmp

import (
	"bytes"
	"context"
	"testing"
)

// TestClassify feeds a sequence of audio and video bodies to one session
// and checks the frame flags and the codec state after each.
func TestClassify(t *testing.T) {
	s := &Session{}
	s.codec.Store(emptyCodec)
	avcSeq := []byte{0x17, 0x00, 0, 0, 0, 1, 0x64}
	hevcSeq := []byte{0x1C, 0x00, 0, 0, 0, 1}
	exHvcSeq := []byte{0x90, 'h', 'v', 'c', '1', 1, 2, 3}
	exAv1Seq := []byte{0x90 | 0x05, 'a', 'v', '0', '1', 9} // MPEG2TSSequenceStart
	aacSeq := []byte{0xAF, 0x00, 0x12, 0x10}
	tests := []struct {
		name     string
		typ      uint8
		p        []byte
		key, seq bool
		check    func(c *CodecState) bool
	}{
		{"AVC sequence header", TypeVideo, avcSeq, true, true,
			func(c *CodecState) bool {
				return bytes.Equal(c.VideoHeader, avcSeq) && c.VideoCodecID == 7 && c.VideoFourCC == ""
			}},
		{"AVC key frame", TypeVideo, []byte{0x17, 0x01, 0, 0, 0}, true, false,
			func(c *CodecState) bool { return bytes.Equal(c.VideoHeader, avcSeq) }},
		{"AVC inter frame", TypeVideo, []byte{0x27, 0x01, 0, 0, 0}, false, false,
			func(c *CodecState) bool { return c.VideoCodecID == 7 }},
		{"AVC end of sequence", TypeVideo, []byte{0x17, 0x02, 0, 0, 0}, true, false, nil},
		{"legacy HEVC sequence header", TypeVideo, hevcSeq, true, true,
			func(c *CodecState) bool { return bytes.Equal(c.VideoHeader, hevcSeq) && c.VideoCodecID == 12 }},
		{"E-RTMP HEVC sequence start", TypeVideo, exHvcSeq, true, true,
			func(c *CodecState) bool {
				return bytes.Equal(c.VideoHeader, exHvcSeq) && c.VideoCodecID == 0 && c.VideoFourCC == "hvc1"
			}},
		{"E-RTMP coded frames", TypeVideo, []byte{0x91, 'h', 'v', 'c', '1', 0, 0, 0, 5}, true, false,
			func(c *CodecState) bool { return bytes.Equal(c.VideoHeader, exHvcSeq) && c.VideoFourCC == "hvc1" }},
		{"E-RTMP CodedFramesX inter", TypeVideo, []byte{0xA3, 'h', 'v', 'c', '1', 5}, false, false, nil},
		{"E-RTMP sequence end", TypeVideo, []byte{0x92, 'h', 'v', 'c', '1'}, true, false, nil},
		{"E-RTMP metadata", TypeVideo, []byte{0x94, 'h', 'v', 'c', '1', 2}, true, false, nil},
		{"E-RTMP AV1 MPEG2-TS sequence start", TypeVideo, exAv1Seq, true, true,
			func(c *CodecState) bool { return bytes.Equal(c.VideoHeader, exAv1Seq) && c.VideoFourCC == "av01" }},
		{"E-RTMP multitrack keeps the state", TypeVideo, []byte{0x96, 0x00, 'v', 'p', '0', '9'}, true, false,
			func(c *CodecState) bool { return c.VideoFourCC == "av01" }},
		{"E-RTMP truncated", TypeVideo, []byte{0x91, 'a'}, true, false, nil},
		{"AAC sequence header", TypeAudio, aacSeq, false, true,
			func(c *CodecState) bool { return bytes.Equal(c.AudioHeader, aacSeq) && c.AudioCodecID == 10 }},
		{"AAC raw", TypeAudio, []byte{0xAF, 0x01, 1, 2}, false, false,
			func(c *CodecState) bool { return bytes.Equal(c.AudioHeader, aacSeq) }},
		{"MP3 keeps the AAC header", TypeAudio, []byte{0x2F, 0xFF}, false, false,
			func(c *CodecState) bool { return c.AudioCodecID == 2 && bytes.Equal(c.AudioHeader, aacSeq) }},
		{"AAC one byte", TypeAudio, []byte{0xAF}, false, false, nil},
	}
	for _, tt := range tests {
		var key, seq bool
		if tt.typ == TypeVideo {
			key, seq = s.video(tt.p)
		} else {
			seq = s.audio(tt.p)
		}
		if key != tt.key || seq != tt.seq {
			t.Errorf("%s: key %v seq %v, want %v %v", tt.name, key, seq, tt.key, tt.seq)
		}
		if c := s.Codec(); tt.check != nil && !tt.check(c) {
			t.Errorf("%s: codec state %+v", tt.name, c)
		}
	}
	if emptyCodec.VideoHeader != nil || emptyCodec.AudioCodecID != 0xFF {
		t.Error("the shared empty state was modified")
	}
}

// TestCodecSnapshotsAreImmutable: a state read earlier does not change
// when a new header arrives.
func TestCodecSnapshotsAreImmutable(t *testing.T) {
	s := &Session{}
	s.codec.Store(emptyCodec)
	s.video([]byte{0x17, 0x00, 1})
	old := s.Codec()
	s.video([]byte{0x17, 0x00, 2})
	if old.VideoHeader[2] != 1 || s.Codec().VideoHeader[2] != 2 {
		t.Errorf("old %v new %v", old.VideoHeader, s.Codec().VideoHeader)
	}
	a := s.Codec()
	s.video([]byte{0x27, 0x01, 3})
	if s.Codec() != a {
		t.Error("an inter frame of the same codec replaced the state")
	}
}

// panicModule's OnAV panics on a given payload byte.
type panicModule struct{}

func (panicModule) Name() string        { return "panicky" }
func (m panicModule) Hook(*Session) any { return m }
func (panicModule) OnAV(f *Frame) {
	if f.Payload[len(f.Payload)-1] == 0xEE {
		panic("boom")
	}
}
func (panicModule) OnClose(ctx context.Context, why CloseReason) { panic("boom in close") }

func TestHookPanicDropsOnlyThatSession(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "m", log: ev}, panicModule{}}})
	other, oid := publishClient(t, ts.addr, "live", "other")
	c, id := publishClient(t, ts.addr, "live", "cam")
	if err := c.WriteMedia(TypeVideo, id, 0, []byte{0x17, 0x01, 0xEE}); err != nil {
		t.Fatal(err)
	}
	ev.waitLine(t, "m:close drop")
	waitDone(t, c)
	waitGone(t, ts, "live", "cam")
	publishClient(t, ts.addr, "live", "cam") // the name was released
	if err := other.WriteMedia(TypeVideo, oid, 0, []byte{0x17, 0x01, 0}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-other.Done():
		t.Fatal("the other publisher was dropped")
	default:
	}
}
