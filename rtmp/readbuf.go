package rtmp

import "sync"

// readBufSize is the size of a session's read buffer: a whole tick of a
// high-bitrate stream in one read.
const readBufSize = 64 << 10

// readBufs holds the read buffers of the sessions that are not reading.
var readBufs = sync.Pool{New: func() any {
	b := make([]byte, readBufSize)
	return &b
}}

// readBuf is the session's buffered socket reader (a chunk.Source, and
// the handshake's reader). Unlike a bufio.Reader it holds a buffer only
// while it holds unread bytes: the buffer is borrowed from readBufs just
// before a read and given back as soon as everything in it was consumed,
// and the session waits for the socket (or the next tick) without one. A
// thousand publishers waiting for their next tick then hold no read
// buffer at all, and the buffer can be large enough to take a tick's
// worth of a high-bitrate stream in one read.
type readBuf struct {
	in   filler  // the session's deadlineReader
	b    *[]byte // nil when empty
	r, w int     // unread bytes are (*b)[r:w]
	err  error   // the error that ended the connection, returned once the bytes before it are read
}

// filler reads from the connection into rb.space(), at least one byte or
// an error.
type filler interface {
	fill(rb *readBuf) (int, error)
}

// space returns the free room at the end of the buffer, borrowing one
// and moving unread bytes to the front first.
func (rb *readBuf) space() []byte {
	if rb.b == nil {
		rb.b = readBufs.Get().(*[]byte)
		rb.r, rb.w = 0, 0
	}
	if rb.r > 0 {
		rb.w = copy(*rb.b, (*rb.b)[rb.r:rb.w])
		rb.r = 0
	}
	return (*rb.b)[rb.w:]
}

// drop gives the buffer back if it holds nothing unread.
func (rb *readBuf) drop() {
	if rb.b != nil && rb.r == rb.w {
		readBufs.Put(rb.b)
		rb.b, rb.r, rb.w = nil, 0, 0
	}
}

// close gives the buffer back, unread bytes and all; the session is over.
func (rb *readBuf) close() {
	rb.r = rb.w
	rb.drop()
}

// fill reads at least one more byte, or returns the connection's error.
func (rb *readBuf) fill() error {
	if rb.err != nil {
		return rb.err
	}
	n, err := rb.in.fill(rb)
	rb.w += n
	if err != nil {
		rb.err = err
		if n == 0 {
			rb.drop()
			return err
		}
	}
	return nil
}

// ReadByte implements io.ByteReader.
func (rb *readBuf) ReadByte() (byte, error) {
	if rb.r == rb.w {
		if err := rb.fill(); err != nil {
			return 0, err
		}
	}
	c := (*rb.b)[rb.r]
	rb.r++
	rb.drop()
	return c, nil
}

// Read implements io.Reader, reading from the socket at most once.
func (rb *readBuf) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if rb.r == rb.w {
		if err := rb.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, (*rb.b)[rb.r:rb.w])
	rb.r += n
	rb.drop()
	return n, nil
}

// Peek returns the next n bytes (n ≤ readBufSize) without consuming
// them, reading as needed; fewer with the error that stopped it.
func (rb *readBuf) Peek(n int) ([]byte, error) {
	for rb.w-rb.r < n {
		if err := rb.fill(); err != nil {
			if rb.b == nil {
				return nil, err
			}
			return (*rb.b)[rb.r:rb.w], err
		}
	}
	return (*rb.b)[rb.r : rb.r+n], nil
}

// Discard skips the next n bytes, reading as needed.
func (rb *readBuf) Discard(n int) (int, error) {
	done := 0
	for done < n {
		if rb.r == rb.w {
			if err := rb.fill(); err != nil {
				return done, err
			}
		}
		k := min(n-done, rb.w-rb.r)
		rb.r += k
		done += k
		rb.drop()
	}
	return done, nil
}
