package client

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// testCtx bounds a test's client calls.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, addr string, opts Options) *Conn {
	t.Helper()
	c, err := Dial(testCtx(t), addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wait returns the value sent on ch, failing the test after 10 s.
func wait[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

// TestPublishLikeFFmpeg runs ffmpeg's publish sequence and checks every
// message against what ffmpeg 5.1 sent to a capture server
// (testdata/ffmpeg_*.bin, publishing rtmp://127.0.0.1:19350/live/cam1?token=abc).
func TestPublishLikeFFmpeg(t *testing.T) {
	seen := make(chan []*chunk.Message, 1)
	addr := serve(t, func(p *peer) { nginxLike(p, seen) })
	c := dial(t, addr, Options{})
	ctx := testCtx(t)
	res, err := c.Connect(ctx, "live", "rtmp://127.0.0.1:19350/live", nil)
	if err != nil || res.String("code") != "NetConnection.Connect.Success" {
		t.Fatalf("Connect = %v, %v", res, err)
	}
	name := "cam1?token=abc"
	id, st, err := c.StartPublish(ctx, name, "live")
	if err != nil || id != 1 || st.Code != "NetStream.Publish.Start" || st.StreamID != 1 || st.Level != "status" {
		t.Fatalf("StartPublish = %d, %+v, %v", id, st, err)
	}
	if got := wait(t, c.Statuses()); !reflect.DeepEqual(got, *st) {
		t.Errorf("Statuses gave %+v, Publish %+v", got, *st)
	}
	meta := amf.ECMAArray{{Key: "width", Value: 160.0}}
	video := bytes.Repeat([]byte{0x17}, 5000)
	if err := c.WriteData(id, "@setDataFrame", "onMetaData", meta); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMedia(chunk.TypeAudio, id, 0, []byte{0xaf, 0x00, 0x12, 0x10}); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMedia(chunk.TypeVideo, id, 40, video); err != nil {
		t.Fatal(err)
	}
	if err := c.StopPublish(id, name); err != nil {
		t.Fatal(err)
	}
	if st, err := c.WaitStatus(ctx, "NetStream.Unpublish.Success"); err != nil || st.StreamID != 1 {
		t.Fatalf("WaitStatus = %+v, %v", st, err)
	}
	c.Close()
	sameMessages(t, wait(t, seen), ffmpegMessages(t, meta, video))
}

// nginxLike answers one publisher as nginx-rtmp does and sends every
// message it read on seen once the client is gone.
func nginxLike(p *peer, seen chan<- []*chunk.Message) {
	expect := func(names ...string) bool {
		for _, name := range names {
			if _, vals := p.command(); vals == nil || vals[0] != name {
				p.t.Errorf("want %s, got %v", name, vals)
				return false
			}
		}
		return true
	}
	p.acceptConnect()
	if !expect("releaseStream", "FCPublish", "createStream") {
		return
	}
	p.sendCommand(0, "_result", 4.0, nil, 1.0)
	if !expect("publish") {
		return
	}
	p.sendStatus(1, "status", "NetStream.Publish.Start", "Start publishing")
	if !expect("FCUnpublish", "deleteStream") {
		return
	}
	p.sendStatus(1, "status", "NetStream.Unpublish.Success", "Stop publishing")
	for p.next() != nil {
	}
	seen <- p.seen
}

// ffmpegMessages is what ffmpeg 5.1 sends publishing cam1?token=abc with
// these metadata and frames: the captured commands (connect with our
// flashVer), its SetChunkSize mirroring nginx's 4096, and the media.
func ffmpegMessages(t *testing.T, meta amf.ECMAArray, video []byte) []*chunk.Message {
	t.Helper()
	connect := readFile(t, "ffmpeg_connect.bin")
	vals, err := amf.Decode(connect, amf.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	vals[2].(amf.Object)[2].Value = DefaultFlashVer // ffmpeg's differs only here
	connect, _ = amf.Append(nil, vals...)
	metaPayload, _ := amf.Append(nil, "@setDataFrame", "onMetaData", meta)
	cmd := func(csid, sid uint32, payload []byte) *chunk.Message {
		return &chunk.Message{CSID: csid, StreamID: sid, Type: chunk.TypeCommandAMF0, Payload: payload}
	}
	return []*chunk.Message{
		cmd(3, 0, connect),
		{CSID: 2, Type: chunk.TypeSetChunkSize, Payload: []byte{0, 0, 0x10, 0}},
		cmd(3, 0, readFile(t, "ffmpeg_releasestream.bin")),
		cmd(3, 0, readFile(t, "ffmpeg_fcpublish.bin")),
		cmd(3, 0, readFile(t, "ffmpeg_createstream.bin")),
		cmd(8, 1, readFile(t, "ffmpeg_publish.bin")),
		{CSID: 4, StreamID: 1, Type: chunk.TypeDataAMF0, Payload: metaPayload},
		{CSID: 4, StreamID: 1, Type: chunk.TypeAudio, Payload: []byte{0xaf, 0x00, 0x12, 0x10}},
		{CSID: 6, StreamID: 1, Type: chunk.TypeVideo, Timestamp: 40, Payload: video},
		cmd(3, 0, readFile(t, "ffmpeg_fcunpublish.bin")),
		cmd(3, 0, readFile(t, "ffmpeg_deletestream.bin")),
	}
}

// sameMessages compares messages field by field.
func sameMessages(t *testing.T, got, want []*chunk.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("server read %d messages, want %d", len(got), len(want))
	}
	for i, w := range want {
		m := got[i]
		if m.CSID != w.CSID || m.StreamID != w.StreamID || m.Type != w.Type || m.Timestamp != w.Timestamp || !bytes.Equal(m.Payload, w.Payload) {
			t.Errorf("message %d: csid %d sid %d type %d ts %d payload % x\nwant csid %d sid %d type %d ts %d payload % x",
				i, m.CSID, m.StreamID, m.Type, m.Timestamp, head(m.Payload), w.CSID, w.StreamID, w.Type, w.Timestamp, head(w.Payload))
		}
	}
}

func head(b []byte) []byte { return b[:min(len(b), 48)] }

func TestPublishRefused(t *testing.T) {
	tests := []struct {
		name     string
		reply    func(p *peer)
		wantCode string
		check    func(err error) bool
	}{
		{"BadName", func(p *peer) { p.sendStatus(1, "error", "NetStream.Publish.BadName", "Already publishing") },
			"NetStream.Publish.BadName", func(err error) bool { var e *StatusError; return errors.As(err, &e) }},
		{"BadName as AMF3 command", func(p *peer) {
			b, _ := amf.Append([]byte{0}, "onStatus", 0.0, nil, amf.Object{{Key: "level", Value: "error"}, {Key: "code", Value: "NetStream.Publish.BadName"}})
			p.send(&chunk.Message{CSID: 5, Type: chunk.TypeCommandAMF3, StreamID: 1, Payload: b})
		}, "NetStream.Publish.BadName", func(err error) bool { var e *StatusError; return errors.As(err, &e) }},
		{"_error reply", func(p *peer) {
			p.sendCommand(0, "_error", 1.0, nil, amf.Object{{Key: "level", Value: "error"}, {Key: "code", Value: "NetStream.Publish.Denied"}})
		}, "", func(err error) bool {
			var e *CommandError
			return errors.As(err, &e) && e.Info.String("code") == "NetStream.Publish.Denied"
		}},
		{"connection closed", func(p *peer) { p.nc.Close() },
			"", func(err error) bool { return err != nil && !errors.Is(err, context.DeadlineExceeded) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := serve(t, func(p *peer) {
				if _, vals := p.command(); len(vals) < 4 || vals[0] != "publish" || vals[3] != "cam" {
					t.Errorf("want publish cam, got %v", vals)
				}
				tt.reply(p)
				for p.next() != nil {
				}
			})
			c := dial(t, addr, Options{})
			st, err := c.Publish(testCtx(t), 1, "cam", "live")
			if !tt.check(err) {
				t.Fatalf("Publish error = %v", err)
			}
			if tt.wantCode == "" {
				return
			}
			if st == nil || st.Code != tt.wantCode || st.Level != "error" {
				t.Fatalf("status = %+v", st)
			}
			if got := wait(t, c.Statuses()); got.Code != tt.wantCode {
				t.Errorf("Statuses gave %+v", got)
			}
		})
	}
}
