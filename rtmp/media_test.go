package rtmp

import (
	"context"
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
)

// TestSessionKeepsCodecState: the session classifies through the media
// package: Codec follows the headers, a snapshot read earlier does not
// change, and a new publish starts from the empty state.
func TestSessionKeepsCodecState(t *testing.T) {
	s := &Session{}
	if s.Codec() != media.Empty {
		t.Fatal("a new session has codec state")
	}
	s.media.Media(TypeVideo, 0, []byte{0x17, 0x00, 0, 0, 0, 1})
	old := s.Codec()
	s.media.Media(TypeVideo, 0, []byte{0x17, 0x00, 0, 0, 0, 2})
	if old.Video().Header[5] != 1 || s.Codec().Video().Header[5] != 2 {
		t.Errorf("old %x new %x", old.Video().Header, s.Codec().Video().Header)
	}
	a := s.Codec()
	s.media.Media(TypeVideo, 40, []byte{0x27, 0x01, 0, 0, 0, 3})
	if s.Codec() != a {
		t.Error("an inter frame of the same codec replaced the state")
	}
	s.media.Reset()
	if s.Codec() != media.Empty {
		t.Error("Reset kept the state")
	}
}

// panicModule's OnAV panics on a given payload byte.
type panicModule struct{}

func (panicModule) Name() string          { return "panicky" }
func (m panicModule) Hook(*Session) Hooks { return Hooks{AV: m, Close: m} }
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
