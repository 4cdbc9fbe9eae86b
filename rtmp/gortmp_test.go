package rtmp

import (
	"bytes"
	"slices"
	"testing"
	"time"

	gortmp "github.com/yutopp/go-rtmp"
	"github.com/yutopp/go-rtmp/message"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

// sample is one media message a test publishes and expects in OnAV.
type sample struct {
	typ      uint8
	ts       uint32
	payload  []byte
	key, seq bool
}

// filled returns n bytes starting with head, the rest a counting pattern.
func filled(n int, head ...byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	copy(b, head)
	return b
}

// testSamples covers sequence headers, key and inter frames, a payload
// larger than several chunks, and timestamps past the 24-bit field (the
// extended timestamp path, which go-rtmp writes without repeating it on
// type-3 chunks).
func testSamples() []sample {
	return []sample{
		{typ: TypeVideo, ts: 0, payload: filled(40, 0x17, 0x00, 0, 0, 0), key: true, seq: true},
		{typ: TypeAudio, ts: 0, payload: []byte{0xAF, 0x00, 0x12, 0x10}, seq: true},
		{typ: TypeVideo, ts: 0, payload: filled(100_000, 0x17, 0x01, 0, 0, 0), key: true},
		{typ: TypeAudio, ts: 21, payload: filled(300, 0xAF, 0x01)},
		{typ: TypeVideo, ts: 33, payload: filled(5000, 0x27, 0x01, 0, 0, 0)},
		{typ: TypeAudio, ts: 43, payload: filled(7, 0xAF, 0x01)},
		{typ: TypeVideo, ts: 0xFFFFFF + 10, payload: filled(9000, 0x27, 0x01, 0, 0, 0)},
		{typ: TypeAudio, ts: 0xFFFFFF + 20, payload: filled(9000, 0xAF, 0x01)},
		{typ: TypeVideo, ts: 0xFFFFFF + 40, payload: filled(20, 0x17, 0x01, 0, 0, 0), key: true},
	}
}

// checkFrames compares what a module received with what was sent, per
// message type: go-rtmp writes each chunk stream from its own queue, so
// only the order within a type is guaranteed.
func checkFrames(t *testing.T, got []Frame, want []sample) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for _, typ := range []uint8{TypeAudio, TypeVideo} {
		var g []Frame
		var w []sample
		for _, f := range got {
			if f.Type == typ {
				g = append(g, f)
			}
		}
		for _, s := range want {
			if s.typ == typ {
				w = append(w, s)
			}
		}
		if len(g) != len(w) {
			t.Fatalf("type %d: got %d frames, want %d", typ, len(g), len(w))
		}
		for i := range w {
			if g[i].Time != int64(w[i].ts) || g[i].Keyframe != w[i].key || g[i].SeqHeader != w[i].seq || !bytes.Equal(g[i].Payload, w[i].payload) {
				t.Errorf("type %d frame %d: got time %d key %v seq %v %d bytes, want time %d key %v seq %v %d bytes (equal payload %v)",
					typ, i, g[i].Time, g[i].Keyframe, g[i].SeqHeader, len(g[i].Payload), w[i].ts, w[i].key, w[i].seq, len(w[i].payload), bytes.Equal(g[i].Payload, w[i].payload))
			}
		}
	}
}

// within runs f and fails the test if it does not return in 10 s: go-rtmp
// has no timeouts of its own.
func within(t *testing.T, what string, f func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no answer in 10 s", what)
	}
}

// goPublish connects with go-rtmp, publishes app/name and returns the
// connection and stream.
func goPublish(t *testing.T, addr, app, name string) (*gortmp.ClientConn, *gortmp.Stream) {
	t.Helper()
	var cc *gortmp.ClientConn
	var st *gortmp.Stream
	within(t, "go-rtmp publish", func() error {
		var err error
		if cc, err = gortmp.Dial("rtmp", addr, &gortmp.ConnConfig{}); err != nil {
			return err
		}
		err = cc.Connect(&message.NetConnectionConnect{Command: message.NetConnectionConnectCommand{
			App: app, FlashVer: "FMLE/3.0 (compatible; go-rtmp)", TCURL: "rtmp://" + addr + "/" + app,
		}})
		if err != nil {
			return err
		}
		if st, err = cc.CreateStream(nil, 4096); err != nil {
			return err
		}
		return st.Publish(&message.NetStreamPublish{PublishingName: name, PublishingType: "live"})
	})
	t.Cleanup(func() { cc.Close() })
	return cc, st
}

func TestGoRTMPPublishDeliversEveryFrame(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "rec", log: ev, keepAV: true}},
		Now: fiveHoursPerRead()})
	cc, st := goPublish(t, ts.addr, "live?key=1", "cam1?token=abc")
	ev.waitLine(t, "rec:publish cam1 args=token=abc type=live")

	want := testSamples()
	meta := []any{"onMetaData", amf.ECMAArray{{Key: "width", Value: 640.0}}}
	within(t, "write media", func() error {
		err := st.WriteDataMessage(5, 0, "@setDataFrame", &message.NetStreamSetDataFrame{AmfData: map[string]any{"width": 640.0}})
		if err != nil {
			return err
		}
		for _, s := range want {
			var m message.Message = &message.VideoMessage{Payload: bytes.NewReader(s.payload)}
			csid := 6
			if s.typ == TypeAudio {
				m, csid = &message.AudioMessage{Payload: bytes.NewReader(s.payload)}, 4
			}
			if err := st.Write(csid, s.ts, m); err != nil {
				return err
			}
		}
		return nil
	})
	ev.waitFor(t, "every frame", func([]string) bool { return len(ev.framesOf("rec")) == len(want)+1 })
	got := ev.framesOf("rec")
	data := slices.IndexFunc(got, func(f Frame) bool { return f.Type == TypeData })
	if data < 0 || !bytes.HasPrefix(got[data].Payload, []byte("\x02\x00\x0aonMetaData")) {
		t.Fatalf("no onMetaData data frame without @setDataFrame in %d frames", len(got))
	}
	checkFrames(t, slices.Delete(got, data, data+1), want)

	sess := ts.Registry().Lookup("live", "cam1")
	if sess == nil {
		t.Fatal("Lookup(live, cam1) = nil while publishing")
	}
	c := sess.Codec()
	if v, a := c.Video(), c.Audio(); v == nil || a == nil || !bytes.Equal(v.Header, want[0].payload) ||
		!bytes.Equal(a.Header, want[1].payload) || v.LegacyID != 7 || a.LegacyID != 10 || !c.HasVideo() {
		t.Errorf("codec state: %+v", c)
	}
	vals, err := amf.Decode(c.Metadata, amf.DefaultLimits)
	if err != nil || len(vals) != 2 || vals[0] != meta[0] {
		t.Errorf("metadata %q decodes to %v, %v", c.Metadata, vals, err)
	}
	if cn := sess.Connect(); cn.App != "live" || cn.Args != "key=1" || cn.Addr != "127.0.0.1" || cn.ClientID != sess.ID() {
		t.Errorf("Connect() = %+v", cn)
	}
	if p := sess.Publish(); p.Name != "cam1" || p.Args != "token=abc" || p.Type != "live" {
		t.Errorf("Publish() = %+v", p)
	}

	cc.Close()
	lines := ev.waitLine(t, "rec:close disconnect")
	if want := []string{"rec:hook live", "rec:connect live args=key=1", "rec:publish cam1 args=token=abc type=live", "rec:close disconnect"}; !slices.Equal(lines, want) {
		t.Errorf("events %q, want %q", lines, want)
	}
}

// go-rtmp's ClientConn.DeleteStream races with its own reader (an
// unlocked map), so deleteStream is tested with our client only.

// waitGone polls until app/name is free in the registry.
func waitGone(t *testing.T, ts *testServer, app, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for ts.Registry().Lookup(app, name) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s still registered", app, name)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

// waitSessions polls until the server has n open sessions.
func waitSessions(t *testing.T, ts *testServer, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(ts.Registry().Sessions()) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions open, want %d", len(ts.Registry().Sessions()), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
