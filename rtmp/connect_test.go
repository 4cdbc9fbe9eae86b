package rtmp

import (
	"encoding/binary"
	"reflect"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

func TestParseConnect(t *testing.T) {
	tests := []struct {
		app, tc  string
		wantApp  string
		wantArgs string
	}{
		{"live", "rtmp://h/live", "live", ""},
		{"live/", "rtmp://h/live/", "live", ""},
		{"live/_definst_", "rtmp://h/live/_definst_", "live", ""},
		{"live?key=1&b=2", "rtmp://h/live?key=1&b=2", "live", "key=1&b=2"},
		{"live", "rtmp://h/live?from=tc", "live", "from=tc"},
		{"live?app=1", "rtmp://h/live?from=tc", "live", "app=1"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		c := &command{obj: amf.Object{{Key: "app", Value: tt.app}, {Key: "tcUrl", Value: tt.tc},
			{Key: "flashVer", Value: "FMLE/3.0"}, {Key: "swfUrl", Value: "s"}, {Key: "pageUrl", Value: "p"}}}
		got := parseConnect(c, "10.0.0.1", 7)
		want := &Connect{App: tt.wantApp, Args: tt.wantArgs, FlashVer: "FMLE/3.0", SwfURL: "s", TcURL: tt.tc,
			PageURL: "p", Addr: "10.0.0.1", ClientID: 7}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("app %q tcUrl %q: %+v, want %+v", tt.app, tt.tc, got, want)
		}
	}
}

// readMessage reads the next message of a raw connection, copying it.
func readMessage(t *testing.T, rd *chunk.Reader) chunk.Message {
	t.Helper()
	m, err := rd.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	c := *m
	c.Payload = append([]byte(nil), m.Payload...)
	return c
}

// TestConnectReplyAsNginx checks the exact messages that answer connect,
// in nginx-rtmp's order, with the values ffmpeg, OBS and GStreamer read.
func TestConnectReplyAsNginx(t *testing.T) {
	ts := startServer(t, testConfig("live"), Options{})
	r := dialRaw(t, ts.addr, true)
	r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}, {Key: "objectEncoding", Value: 0.0}})
	rd := chunk.NewReader(r.Conn, 0)
	be := func(v ...uint32) []byte {
		var b []byte
		for _, x := range v {
			b = binary.BigEndian.AppendUint32(b, x)
		}
		return b
	}
	for _, want := range []chunk.Message{
		{CSID: 2, Type: chunk.TypeWindowAckSize, Payload: be(5000000)},
		{CSID: 2, Type: chunk.TypeSetPeerBandwidth, Payload: append(be(5000000), 2)},
		{CSID: 2, Type: chunk.TypeSetChunkSize, Payload: be(4096)},
	} {
		if got := readMessage(t, rd); !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
	res := readMessage(t, rd)
	vals, err := amf.Decode(res.Payload, amf.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"_result", 1.0,
		amf.Object{{Key: "fmsVer", Value: "FMS/3,0,1,123"}, {Key: "capabilities", Value: 31.0}},
		amf.Object{{Key: "level", Value: "status"}, {Key: "code", Value: "NetConnection.Connect.Success"},
			{Key: "description", Value: "Connection succeeded."}, {Key: "objectEncoding", Value: 0.0}}}
	if res.CSID != 3 || res.StreamID != 0 || res.Type != chunk.TypeCommandAMF0 || !reflect.DeepEqual(vals, want) {
		t.Errorf("connect reply csid %d stream %d type %d: %#v\nwant %#v", res.CSID, res.StreamID, res.Type, vals, want)
	}
}

// TestAcknowledgements: once the peer announced a window, every window's
// worth of received bytes is acknowledged with the running total.
func TestAcknowledgements(t *testing.T) {
	ts := startServer(t, testConfig("live"), Options{})
	r := dialRaw(t, ts.addr, true)
	r.w.WriteMessage(chunk.WindowAckSizeMessage(1000))
	r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}})
	for range 10 {
		r.w.WriteMessage(&chunk.Message{CSID: 6, Type: chunk.TypeAudio, StreamID: 1, Payload: make([]byte, 300)})
	}
	rd := chunk.NewReader(r.Conn, 0)
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	var acks []uint32
	for len(acks) < 2 {
		m := readMessage(t, rd)
		if m.Type == chunk.TypeAck {
			acks = append(acks, binary.BigEndian.Uint32(m.Payload))
		}
	}
	if acks[0] < 1000 || acks[1]-acks[0] < 1000 {
		t.Errorf("acks %v: want one per 1000 bytes received", acks)
	}
}
