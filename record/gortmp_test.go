package record

import (
	"bytes"
	"testing"
	"time"

	gortmp "github.com/yutopp/go-rtmp"
	"github.com/yutopp/go-rtmp/message"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/rtmp"
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
				if f.Type == rtmp.TypeAudio {
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
		var want []rtmp.Frame
		for _, fr := range in {
			if fr.Type == typ && !fr.SeqHeader {
				want = append(want, fr)
			}
		}
		checkMedia(t, got, want, 0)
	}
}
