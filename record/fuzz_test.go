package record

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// fuzzFrames decodes fuzz input into frames: per frame one byte of type
// and flags, two bytes of time delta (signed, so time can go back), one
// byte of payload length, then the payload.
func fuzzFrames(b []byte) []media.Frame {
	var out []media.Frame
	t := int64(0)
	for len(b) >= 4 {
		h, delta, n := b[0], int16(binary.BigEndian.Uint16(b[1:3])), int(b[3])
		b = b[4:]
		n = min(n, len(b))
		t += int64(delta)
		f := media.Frame{Type: media.TypeAudio, Time: t, Payload: b[:n], Keyframe: h&2 != 0, SeqHeader: h&4 != 0}
		if h&1 != 0 {
			f.Type = media.TypeVideo
		}
		if h&8 != 0 {
			t += 1 << 32 // jump far ahead: exercises the 32-bit split
		}
		out = append(out, f)
		b = b[n:]
	}
	return out
}

// FuzzRecordFrames: whatever a publisher sends, every file the recorder
// closes passes the strict FLV reader and holds exactly the frames its
// event counts, plus at most two header copies.
func FuzzRecordFrames(f *testing.F) {
	seed := func(frames ...media.Frame) []byte {
		var b []byte
		prev := int64(0)
		for _, fr := range frames {
			h := byte(0)
			if fr.Type == media.TypeVideo {
				h |= 1
			}
			if fr.Keyframe {
				h |= 2
			}
			if fr.SeqHeader {
				h |= 4
			}
			b = append(b, h)
			b = binary.BigEndian.AppendUint16(b, uint16(fr.Time-prev))
			b = append(b, byte(len(fr.Payload)))
			b = append(b, fr.Payload...)
			prev = fr.Time
		}
		return b
	}
	f.Add(seed(stream{dur: 400, gop: 5, audio: true, headers: true}.frames()...))
	f.Add(seed(aSeq(0), aRaw(10, 0), vSeq(20), vKey(30, 1), vInter(5, 2)))
	f.Fuzz(func(t *testing.T, b []byte) {
		rc := &conf.Recorder{Flags: all, Path: t.TempDir(), Suffix: ".flv", MaxFrames: 7, MaxSize: 400}
		r := newRig(t, rc)
		r.feed(fuzzFrames(b)...)
		r.close(rtmp.CloseUnpublish)
		for _, ev := range r.doneEvents() {
			fl := readFLV(t, ev.Path)
			if st, err := os.Stat(ev.Path); err != nil || st.Size() != ev.Size {
				t.Fatalf("event size %d, file %v %v", ev.Size, st, err)
			}
			// Every tag is a counted media frame or one of at most two
			// header copies.
			if copies := int64(len(fl.Tags)) - ev.VideoFrames - ev.AudioFrames; copies < 0 || copies > 2 {
				t.Fatalf("%s: %d tags for %d+%d frames", filepath.Base(ev.Path), len(fl.Tags), ev.VideoFrames, ev.AudioFrames)
			}
		}
	})
}
