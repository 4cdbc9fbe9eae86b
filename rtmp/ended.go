package rtmp

import (
	"fmt"
	"io"
	"runtime/debug"
	"sync/atomic"
)

// HandshakeSize is the bytes each side sends in a complete RTMP handshake
// (C0 C1 C2, S0 S1 S2). nginx-rtmp's byte counters start after it.
const HandshakeSize = 1 + 2*1536

// ChunkBytesIn is the bytes of the chunk stream received so far: every
// byte after the handshake, chunk headers and control messages included
// (nginx-rtmp's in_bytes: its access log's $bytes_received); 0 before the
// handshake completed.
func (s *Session) ChunkBytesIn() uint64 {
	if !s.handshook.Load() {
		return 0
	}
	return s.bytesIn.Load() - HandshakeSize
}

// ChunkBytesOut is the bytes of the chunk stream sent so far (nginx-rtmp's
// out_bytes: $bytes_sent), the handshake not included.
func (s *Session) ChunkBytesOut() uint64 { return s.bytesOut.Load() }

// countingWriter counts what reaches the connection.
type countingWriter struct {
	w io.Writer
	n *atomic.Uint64
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n.Add(uint64(n))
	return n, err
}

// ended tells the modules that implement SessionEndHook that the
// connection is over; a panic in one is logged and does not keep the
// others from hearing it.
func (s *Session) ended() {
	for _, m := range s.srv.opts.Modules {
		if h, ok := m.(SessionEndHook); ok {
			s.callEnded(m, h)
		}
	}
}

func (s *Session) callEnded(m Module, h SessionEndHook) {
	defer func() {
		if r := recover(); r != nil {
			s.Logger().Error("SessionEnded panicked", "module", m.Name(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	h.SessionEnded(s)
}
