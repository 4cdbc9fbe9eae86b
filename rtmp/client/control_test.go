package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// TestControlReplies checks acknowledgements (exact byte counts at message
// boundaries), ping responses, and that unread statuses neither stall the
// reader nor get lost.
func TestControlReplies(t *testing.T) {
	const n = 40
	type result struct {
		acks []uint32
		ping uint32
		ends []uint64
	}
	res := make(chan result, 1)
	addr := serve(t, func(p *peer) {
		p.send(chunk.WindowAckSizeMessage(500))
		p.send(chunk.PingRequestMessage(123456))
		for i := range n {
			p.sendStatus(1, "status", fmt.Sprintf("Test.Status.%d", i), "a description long enough to pass the window")
		}
		var r result
		for m := p.next(); m != nil; m = p.next() {
			switch m.Type {
			case chunk.TypeAck:
				r.acks = append(r.acks, binary.BigEndian.Uint32(m.Payload))
			case chunk.TypeUserControl:
				u, err := chunk.ParseUserControl(m.Payload)
				if err != nil || u.Event != chunk.EventPingResponse {
					t.Errorf("user control %+v, %v", u, err)
				}
				r.ping = u.Value
			}
		}
		p.mu.Lock()
		r.ends = p.ends
		p.mu.Unlock()
		res <- r
	})
	c := dial(t, addr, Options{})
	// Read the statuses only after all were sent: the queue is unbounded.
	for i := range n {
		st := wait(t, c.Statuses())
		if want := fmt.Sprintf("Test.Status.%d", i); st.Code != want || st.StreamID != 1 {
			t.Fatalf("status %d = %+v, want %s", i, st, want)
		}
	}
	c.Close()
	r := wait(t, res)
	if r.ping != 123456 {
		t.Errorf("ping response %d, want 123456", r.ping)
	}
	if len(r.acks) < 3 {
		t.Fatalf("got %d acknowledgements, want several: %v", len(r.acks), r.acks)
	}
	prev := uint32(0)
	for _, a := range r.acks {
		if !slices.Contains(r.ends, uint64(a)) || a-prev <= 500 {
			t.Errorf("ack %d is not a message boundary more than a window after %d (boundaries %v)", a, prev, r.ends)
		}
		prev = a
	}
}

// TestExtendedTimestampType3 checks both type-3 forms on the wire: the
// 4-byte extended timestamp repeated after each continuation basic header
// (ffmpeg) or not (go-rtmp).
func TestExtendedTimestampType3(t *testing.T) {
	payload := bytes.Repeat([]byte{0xaa}, 300)
	for _, omit := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoExtendedType3=%v", omit), func(t *testing.T) {
			raw := make(chan []byte, 1)
			addr := serve(t, func(p *peer) {
				m := p.next()
				if m == nil || m.Timestamp != 0x01000000 || !bytes.Equal(m.Payload, payload) {
					t.Errorf("server read %+v", m)
				}
				raw <- p.raw.bytes()
				for p.next() != nil {
				}
			})
			c := dial(t, addr, Options{NoExtendedType3: omit})
			if err := c.WriteMedia(chunk.TypeVideo, 1, 0x01000000, payload); err != nil {
				t.Fatal(err)
			}
			b := wait(t, raw)
			// fmt 0 header: 1 + 11 + 4 extended, then a 128-byte chunk.
			want := []byte{0x06, 0xff, 0xff, 0xff, 0, 1, 0x2c, 9, 1, 0, 0, 0, 1, 0, 0, 0}
			if !bytes.Equal(b[:16], want) {
				t.Fatalf("header % x, want % x", b[:16], want)
			}
			cont := b[16+128:]
			ext := cont[0] == 0xc6 && bytes.Equal(cont[1:5], []byte{1, 0, 0, 0})
			if cont[0] != 0xc6 || ext == omit {
				t.Errorf("continuation % x: extended timestamp repeated = %v, want %v", cont[:5], ext, !omit)
			}
		})
	}
}

// TestWriteRaw sends a hand-made chunk (SetChunkSize 4096 on chunk stream 2)
// byte for byte.
func TestWriteRaw(t *testing.T) {
	crafted := []byte{0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x10, 0}
	got := make(chan []byte, 1)
	addr := serve(t, func(p *peer) {
		m := p.next()
		if m == nil || m.Type != chunk.TypeSetChunkSize || !bytes.Equal(m.Payload, []byte{0, 0, 0x10, 0}) {
			t.Errorf("server read %+v", m)
		}
		got <- p.raw.bytes()
		for p.next() != nil {
		}
	})
	c := dial(t, addr, Options{})
	if err := c.WriteRaw(crafted); err != nil {
		t.Fatal(err)
	}
	if b := wait(t, got); !bytes.Equal(b, crafted) {
		t.Errorf("server got % x, want % x", b, crafted)
	}
}

// TestChunkSizeOption checks that Options.ChunkSize is announced first and
// that the server's SetChunkSize is then not mirrored.
func TestChunkSizeOption(t *testing.T) {
	got := make(chan []*chunk.Message, 1)
	addr := serve(t, func(p *peer) {
		p.acceptConnect()
		for p.next() != nil {
		}
		got <- p.seen
	})
	c := dial(t, addr, Options{ChunkSize: 60000})
	if _, err := c.Connect(testCtx(t), "live", "rtmp://h/live", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMedia(chunk.TypeVideo, 1, 0, make([]byte, 50000)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	msgs := wait(t, got)
	if len(msgs) != 3 || msgs[0].Type != chunk.TypeSetChunkSize || binary.BigEndian.Uint32(msgs[0].Payload) != 60000 ||
		msgs[1].Type != chunk.TypeCommandAMF0 || len(msgs[2].Payload) != 50000 {
		t.Fatalf("server read %d messages: %+v", len(msgs), msgs)
	}
}

// TestCommandErrors checks _error replies to connect and to other calls,
// and the connect object with extra properties.
func TestCommandErrors(t *testing.T) {
	obj := make(chan amf.Object, 1)
	addr := serve(t, func(p *peer) {
		_, vals := p.command()
		o, _ := vals[2].(amf.Object)
		obj <- o
		p.sendCommand(0, "_error", vals[1], nil, amf.Object{{Key: "level", Value: "error"},
			{Key: "code", Value: "NetConnection.Connect.Rejected"}, {Key: "description", Value: "no"}})
		_, vals = p.command()
		p.sendCommand(0, "_error", vals[1], nil, amf.Object{{Key: "level", Value: "error"},
			{Key: "code", Value: "NetConnection.Call.Failed"}, {Key: "description", Value: "unknown command " + vals[0].(string)}})
		for p.next() != nil {
		}
	})
	c := dial(t, addr, Options{FlashVer: "LNX 9,0,124,2"})
	ctx := testCtx(t)
	info, err := c.Connect(ctx, "live", "rtmp://h/live", amf.Object{{Key: "tcUrl", Value: "rtmp://x/live"}, {Key: "fpad", Value: false}})
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Command != "connect" || info.String("code") != "NetConnection.Connect.Rejected" {
		t.Fatalf("Connect = %v, %v", info, err)
	}
	want := amf.Object{{Key: "app", Value: "live"}, {Key: "type", Value: "nonprivate"},
		{Key: "flashVer", Value: "LNX 9,0,124,2"}, {Key: "tcUrl", Value: "rtmp://x/live"}, {Key: "fpad", Value: false}}
	if got := wait(t, obj); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("connect object %v, want %v", got, want)
	}
	reply, err := c.Call(ctx, "frobnicate", "arg")
	if !errors.As(err, &ce) || ce.Info.String("code") != "NetConnection.Call.Failed" || reply[0] != "_error" || reply[1] != 2.0 {
		t.Fatalf("Call = %v, %v", reply, err)
	}
}

// TestServerCloses checks what a test sees when the server drops it.
func TestServerCloses(t *testing.T) {
	addr := serve(t, func(p *peer) {
		p.acceptConnect()
		p.command() // createStream, never answered
		p.nc.Close()
	})
	c := dial(t, addr, Options{})
	ctx := testCtx(t)
	if _, err := c.Connect(ctx, "live", "rtmp://h/live", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStream(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("CreateStream error = %v, want io.EOF", err)
	}
	<-c.Done()
	if !errors.Is(c.Err(), io.EOF) {
		t.Errorf("Err() = %v, want io.EOF", c.Err())
	}
	if _, ok := <-c.Statuses(); ok {
		t.Error("Statuses not closed")
	}
}

// TestDialHandshakeDeadline checks that a server that never answers the
// handshake cannot hold Dial past its context.
func TestDialHandshakeDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			accepted <- nc
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := Dial(ctx, ln.Addr().String(), Options{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Dial error = %v, want deadline exceeded", err)
	}
	(wait(t, accepted)).Close()
}

// TestDigestHandshake dials with the FP9 handshake against the server side
// of the handshake package, which validates it.
func TestDigestHandshake(t *testing.T) {
	addr := serve(t, func(p *peer) {
		p.acceptConnect()
		for p.next() != nil {
		}
	})
	c := dial(t, addr, Options{Digest: true})
	if _, err := c.Connect(testCtx(t), "live", "rtmp://h/live", nil); err != nil {
		t.Fatal(err)
	}
}

// TestCallAndCloseStream checks a successful Call, closeStream on the
// message stream, and that OnMessage sees what the server sends.
func TestCallAndCloseStream(t *testing.T) {
	closeMsg := make(chan *chunk.Message, 1)
	addr := serve(t, func(p *peer) {
		_, vals := p.command()
		p.sendCommand(0, "_result", vals[1], nil, "pong", vals[3])
		m, _ := p.command()
		closeMsg <- m
		for p.next() != nil {
		}
	})
	var mu sync.Mutex
	var types []uint8
	c := dial(t, addr, Options{OnMessage: func(m *chunk.Message) {
		mu.Lock()
		types = append(types, m.Type)
		mu.Unlock()
	}})
	reply, err := c.Call(testCtx(t), "ping", 7.0)
	if err != nil || fmt.Sprint(reply) != "[_result 1 <nil> pong 7]" {
		t.Fatalf("Call = %v, %v", reply, err)
	}
	if err := c.CloseStream(1); err != nil {
		t.Fatal(err)
	}
	m := wait(t, closeMsg)
	want, _ := amf.Append(nil, "closeStream", 0.0, nil)
	if m.CSID != CSIDStream || m.StreamID != 1 || !bytes.Equal(m.Payload, want) {
		t.Errorf("closeStream message %+v", m)
	}
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(types, []uint8{chunk.TypeCommandAMF0}) {
		t.Errorf("OnMessage saw types %v", types)
	}
}
