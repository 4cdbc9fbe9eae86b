package record

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// steppingClock advances by step at every reading: a file's age grows with
// the frames the recorder handles, whatever the scheduling, so a
// record_interval split happens without sleeping.
type steppingClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *steppingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

// TestE2EOpusSplitByIntervalStartsWithSequenceStart: an Enhanced RTMP Opus
// publisher (our client, raw tags) split by record_interval: every file
// starts with the Opus sequence start at 0, and the files together hold
// every packet.
func TestE2EOpusSplitByIntervalStartsWithSequenceStart(t *testing.T) {
	clk := &steppingClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: 50 * time.Millisecond}
	s := startServerWith(t, "application live { live on; record all; record_path "+t.TempDir()+"; record_interval 1s; }",
		func(m *Module) { m.Now = clk.Now })
	p, err := publish(t, s.addr, "opus")
	if err != nil {
		t.Fatal(err)
	}
	in := opusFrames(200)
	p.send(t, in...)
	p.c.DeleteStream(p.sid)
	var evs []Event
	for len(evs) == 0 || evs[len(evs)-1].Reason != ReasonUnpublish {
		evs = append(evs, s.wait(t, 1)...)
	}
	if len(evs) < 3 {
		t.Fatalf("%d files, want a split every second of the stepping clock", len(evs))
	}
	for _, f := range checkEvents(t, evs, ReasonUnpublish, in, opusSeqPayload()) {
		if !bytes.Equal(f.Tags[0].Data, opusSeqPayload()) || f.Header.Flags != flv.FlagAudio {
			t.Fatalf("file starts with %x, flags %#x", f.Tags[0].Data, f.Header.Flags)
		}
	}
}

// TestRecordMultitrackDefaultTracks: of a multitrack publish the recorder
// writes the default track of each kind (id 0) as plain single-track
// Enhanced RTMP tags, headers first in every file, and ignores the other
// tracks with one log line for the stream.
func TestRecordMultitrackDefaultTracks(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.MaxFrames = 6
	r := newRig(t, rc)
	hevcSeq := hevcExSeqPayload()[5:] // the record without the FLV header
	multiVideo := func(frame, pt byte, ts int64, bodies ...[]byte) media.Frame {
		b := []byte{0x80 | frame<<4 | 6, media.ManyTracks<<4 | pt, 'h', 'v', 'c', '1'}
		for id, body := range bodies {
			b = append(b, byte(id), byte(len(body)>>16), byte(len(body)>>8), byte(len(body)))
			b = append(b, body...)
		}
		return media.Frame{Type: media.TypeVideo, Time: ts, Payload: b}
	}
	multiAudio := func(pt byte, ts int64, bodies ...[]byte) media.Frame {
		b := []byte{0x95, media.ManyTracks<<4 | pt, 'O', 'p', 'u', 's'}
		for id, body := range bodies {
			b = append(b, byte(id), 0, 0, byte(len(body)))
			b = append(b, body...)
		}
		return media.Frame{Type: media.TypeAudio, Time: ts, Payload: b}
	}
	nal := func(i int) []byte { return []byte{0, 0, 40, 0, 0, 0, 2, 0x26, byte(i)} } // CTS 40, then a NAL
	in := []media.Frame{multiVideo(1, 0, 0, hevcSeq, hevcSeq), multiAudio(0, 0, opusHead, opusHead)}
	for i := range 12 {
		frame := byte(2)
		if i%3 == 0 {
			frame = 1
		}
		in = append(in, multiVideo(frame, 1, int64(i)*40, nal(i), nal(100+i)),
			multiAudio(1, int64(i)*40+5, []byte{0xFC, byte(i)}, []byte{0xFC, byte(100 + i)}))
	}
	r.feed(in...)
	r.close(rtmp.CloseUnpublish)

	// What the files must hold: each default-track unit as a plain tag.
	var want []media.Frame
	var q media.Parser
	for _, f := range in {
		fr := q.Media(f.Type, f.Time, f.Payload)
		u := fr.Units[0]
		if u.Track.ID != 0 || u.Packet == media.PacketSeqStart {
			continue
		}
		want = append(want, media.Frame{Type: f.Type, Time: u.DTS, Payload: media.AppendTag(nil, &u),
			Keyframe: fr.Keyframe})
	}
	vseq := append([]byte{0x90, 'h', 'v', 'c', '1'}, hevcSeq...)
	files := checkEvents(t, r.doneEvents(), ReasonUnpublish, want, vseq, opusSeqPayload())
	if len(files) < 2 {
		t.Fatalf("%d files, want splits", len(files))
	}
	if n := strings.Count(r.logs.String(), "ignoring the others"); n != 1 {
		t.Errorf("%d log lines about the other tracks, want 1:\n%s", n, r.logs)
	}
}
