package client

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
	"github.com/rtmprecd/rtmprecd/rtmp/handshake"
)

// peer is the server side of one test connection, built on the same
// handshake, chunk and amf packages as the real server, so the tests check
// the client's bytes with an independent reading of the stream.
type peer struct {
	t   testing.TB
	nc  net.Conn
	raw *tee // every byte read after the handshake
	r   *chunk.Reader
	w   *chunk.Writer

	cw *countWriter // bytes written after the handshake

	mu   sync.Mutex
	ends []uint64         // bytes written after each message
	seen []*chunk.Message // every message read, in order
}

// tee records what the chunk reader consumes from the connection.
type tee struct {
	r   io.Reader
	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *tee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.mu.Lock()
	t.buf.Write(p[:n])
	t.mu.Unlock()
	return n, err
}

func (t *tee) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.buf.Bytes())
}

// serve listens on 127.0.0.1:0, accepts one connection, performs the
// server handshake and runs script on it. The test waits for script to
// end before finishing.
func serve(t testing.TB, script func(p *peer)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		defer nc.Close()
		if err := handshake.Server(nc); err != nil {
			t.Errorf("server handshake: %v", err)
			return
		}
		p := &peer{t: t, nc: nc, raw: &tee{r: nc}}
		p.r = chunk.NewReader(p.raw, 0)
		p.cw = &countWriter{w: nc}
		p.w = chunk.NewWriter(p.cw, chunk.DefaultChunkSize)
		script(p)
	}()
	return ln.Addr().String()
}

// next returns the next message with its payload copied, or nil at the
// end of the connection.
func (p *peer) next() *chunk.Message {
	m, err := p.r.ReadMessage()
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
			p.t.Errorf("server read: %v", err)
		}
		return nil
	}
	c := *m
	c.Payload = bytes.Clone(m.Payload)
	p.seen = append(p.seen, &c)
	return &c
}

// command returns the next command message and its values, skipping
// other messages; nil at the end of the connection.
func (p *peer) command() (*chunk.Message, []any) {
	for {
		m := p.next()
		if m == nil {
			return nil, nil
		}
		if m.Type != chunk.TypeCommandAMF0 {
			continue
		}
		vals, err := amf.Decode(m.Payload, amf.DefaultLimits)
		if err != nil {
			p.t.Errorf("server decode command: %v", err)
			return nil, nil
		}
		return m, vals
	}
}

// send writes m and records the byte count, for acknowledgement checks.
func (p *peer) send(m *chunk.Message) {
	if err := p.w.WriteMessage(m); err != nil {
		p.t.Errorf("server write: %v", err)
	}
	p.mu.Lock()
	p.ends = append(p.ends, p.cw.n)
	p.mu.Unlock()
}

// sendCommand writes an AMF0 command on chunk stream 3 (5 for onStatus).
func (p *peer) sendCommand(streamID uint32, vals ...any) {
	b, err := amf.Append(nil, vals...)
	if err != nil {
		p.t.Errorf("server encode: %v", err)
		return
	}
	csid := uint32(3)
	if vals[0] == "onStatus" {
		csid = 5
	}
	p.send(&chunk.Message{CSID: csid, Type: chunk.TypeCommandAMF0, StreamID: streamID, Payload: b})
}

// sendStatus writes onStatus as nginx-rtmp does.
func (p *peer) sendStatus(streamID uint32, level, code, desc string) {
	p.sendCommand(streamID, "onStatus", 0.0, nil, amf.Object{
		{Key: "level", Value: level}, {Key: "code", Value: code}, {Key: "description", Value: desc}})
}

// acceptConnect answers the next command, a connect, like nginx-rtmp:
// window, peer bandwidth, chunk size 4096, then _result. It returns the
// connect message and values.
func (p *peer) acceptConnect() (*chunk.Message, []any) {
	m, vals := p.command()
	if m == nil || vals[0] != "connect" {
		p.t.Errorf("want connect, got %v", vals)
		return m, vals
	}
	p.send(chunk.WindowAckSizeMessage(5000000))
	p.send(chunk.SetPeerBandwidthMessage(5000000, chunk.LimitDynamic))
	p.send(chunk.SetChunkSizeMessage(4096))
	p.w.SetChunkSize(4096)
	p.sendCommand(0, "_result", vals[1], amf.Object{{Key: "fmsVer", Value: "FMS/3,0,1,123"}, {Key: "capabilities", Value: 31.0}},
		amf.Object{{Key: "level", Value: "status"}, {Key: "code", Value: "NetConnection.Connect.Success"},
			{Key: "description", Value: "Connection succeeded."}, {Key: "objectEncoding", Value: 0.0}})
	return m, vals
}

// countWriter counts bytes written.
type countWriter struct {
	w io.Writer
	n uint64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += uint64(n)
	return n, err
}
