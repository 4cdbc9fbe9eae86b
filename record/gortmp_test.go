package record

import (
	"bytes"
	"testing"
	"time"

	gortmp "github.com/yutopp/go-rtmp"
	"github.com/yutopp/go-rtmp/message"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/media"
)

// TestE2EGoRTMPPublish: go-rtmp's client publishes through the real
// server and every frame lands in the file. go-rtmp writes each chunk
// stream from its own queue, so only the order within a type is checked.
func TestE2EGoRTMPPublish(t *testing.T) {
	s := startServer(t, "record all; record_path DIR;")
	in := stream{dur: 2000, gop: 25, audio: true, headers: true}.frames()
	done := make(chan error, 1)
	var cc *gortmp.ClientConn
	go func() {
		done <- func() error {
			var err error
			if cc, err = gortmp.Dial("rtmp", s.addr, &gortmp.ConnConfig{}); err != nil {
				return err
			}
			err = cc.Connect(&message.NetConnectionConnect{Command: message.NetConnectionConnectCommand{
				App: "live", FlashVer: "FMLE/3.0 (compatible; go-rtmp)", TCURL: "rtmp://" + s.addr + "/live"}})
			if err != nil {
				return err
			}
			st, err := cc.CreateStream(nil, 4096)
			if err != nil {
				return err
			}
			if err := st.Publish(&message.NetStreamPublish{PublishingName: "cam", PublishingType: "live"}); err != nil {
				return err
			}
			for _, f := range in {
				var m message.Message = &message.VideoMessage{Payload: bytes.NewReader(f.Payload)}
				csid := 6
				if f.Type == media.TypeAudio {
					m, csid = &message.AudioMessage{Payload: bytes.NewReader(f.Payload)}, 4
				}
				if err := st.Write(csid, uint32(f.Time), m); err != nil {
					return err
				}
			}
			return nil
		}()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("go-rtmp publish did not finish") // go-rtmp has no timeouts of its own
	}
	// go-rtmp queues writes per chunk stream: wait until the server has
	// every frame before closing, or the close may drop queued ones.
	wv, wa := count(in)
	waitFrames(t, s.m, "cam", int64(wv), int64(wa))
	cc.Close()
	ev := s.wait(t, 1)[0]
	if ev.Reason != ReasonDisconnect {
		t.Errorf("reason %q", ev.Reason)
	}
	f := readFLV(t, ev.Path)
	checkHeaders(t, f, aacSeqPayload, avcSeqPayload(0))
	for _, typ := range []uint8{flv.TagAudio, flv.TagVideo} {
		var got []flv.Tag
		for _, tg := range f.Tags[2:] {
			if tg.Type == typ {
				got = append(got, tg)
			}
		}
		var want []media.Frame
		for _, fr := range in {
			if fr.Type == typ && !fr.SeqHeader {
				want = append(want, fr)
			}
		}
		checkMedia(t, got, want, 0)
	}
}

// waitFrames polls until the stream's first recorder has written v video
// and a audio frames.
func waitFrames(t *testing.T, m *Module, name string, v, a int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var gv, ga int64
		if h := m.lookup("live", name); h != nil {
			h.mu.Lock()
			if len(h.nodes) > 0 {
				gv, ga = h.nodes[0].vframes, h.nodes[0].aframes
			}
			h.mu.Unlock()
		}
		if gv >= v && ga >= a {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server wrote %d video and %d audio frames, want %d and %d", gv, ga, v, a)
		}
		runtimeGosched()
	}
}
