// Package client is a small RTMP publishing client built on the same
// handshake, chunk and amf packages as the server, for tests: it can
// publish like ffmpeg, send crafted messages or raw bytes, and report every
// onStatus the server sends, which go-rtmp's client cannot.
//
// A Conn runs one reader goroutine that answers the server's control
// messages as ffmpeg does (acknowledgements once the announced window is
// read, ping responses, and, unless Options.ChunkSize is set, mirroring the
// server's chunk size) and routes replies to the calls waiting for them.
// Writes are serialised, so any goroutine may write. A command from the
// server that does not decode ends the connection, and Err reports it: the
// server under test must not send one.
package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
	"github.com/rtmprecd/rtmprecd/rtmp/handshake"
)

// Chunk stream IDs, as ffmpeg uses them when publishing.
const (
	CSIDCommand = 3 // connect, createStream, releaseStream, FCPublish, ...
	CSIDAudio   = 4 // audio and data messages
	CSIDVideo   = 6 // video messages
	CSIDStream  = 8 // publish and closeStream, on the message stream
)

// DefaultFlashVer is the flashVer sent by Connect unless Options.FlashVer
// is set; "FMLE/3.0 (compatible; ...)" is what ffmpeg and OBS send when
// publishing.
const DefaultFlashVer = "FMLE/3.0 (compatible; rtmprecd test client)"

// Options configure a Conn. The zero value behaves like ffmpeg 5.1
// publishing.
type Options struct {
	// ChunkSize, when > 0, is announced with SetChunkSize right after the
	// handshake and used for every message, as OBS does. When 0 the client
	// starts at 128 and mirrors each SetChunkSize the server sends, as
	// ffmpeg does.
	ChunkSize int
	// NoExtendedType3 omits the extended timestamp on type-3 continuation
	// chunks, as go-rtmp does; by default it is repeated, as ffmpeg does.
	NoExtendedType3 bool
	// LibRTMP publishes as librtmp's RTMP_Write does (GStreamer's rtmpsink,
	// python-librtmp, many cameras): every audio, video and data message
	// on chunk stream CSIDAudio, each after the first with a fmt 1/2 delta
	// in 32-bit arithmetic, so a frame older than the one before it is
	// sent as a delta such as 0xFFFFFFF6.
	LibRTMP bool
	// Digest selects the FP9 digest handshake instead of the plain one.
	Digest bool
	// FlashVer is sent in connect; DefaultFlashVer when empty.
	FlashVer string
	// MaxMessage bounds messages read from the server;
	// chunk.DefaultMaxMessage when 0.
	MaxMessage int
	// WriteTimeout bounds each write; 10 s when 0.
	WriteTimeout time.Duration
	// OnMessage, if set, sees every message read from the server, after
	// the client handled it, on the reader goroutine. m and its payload are
	// valid only during the call, and a slow OnMessage stalls the reader.
	OnMessage func(m *chunk.Message)
}

// Status is one onStatus message from the server.
type Status struct {
	StreamID    uint32 // message stream it arrived on
	Level       string // "status", "warning" or "error"
	Code        string // e.g. "NetStream.Publish.Start"
	Description string
	Info        amf.Object // the whole information object
}

// CommandError is an _error reply to a command.
type CommandError struct {
	Command string
	Info    amf.Object // the information object of the reply, if any
}

// Error names the command and the reply's code and description.
func (e *CommandError) Error() string {
	return fmt.Sprintf("client: %s: _error %s: %s", e.Command, e.Info.String("code"), e.Info.String("description"))
}

// StatusError reports a publish answered by an onStatus other than
// NetStream.Publish.Start.
type StatusError struct{ Status Status }

// Error gives the status level, code and description.
func (e *StatusError) Error() string {
	return fmt.Sprintf("client: publish: %s %s: %s", e.Status.Level, e.Status.Code, e.Status.Description)
}

// ErrClosed is returned by calls waiting when Close is called.
var ErrClosed = errors.New("client: connection closed")

// Conn is a client connection after the handshake.
type Conn struct {
	nc   net.Conn
	opts Options
	r    *chunk.Reader // owned by the reader goroutine

	wmu sync.Mutex // serialises writes: w, the socket, write deadlines
	w   *chunk.Writer

	mu      sync.Mutex
	txn     float64                // last transaction id used
	calls   map[float64]chan []any // waiting for _result/_error
	publish map[uint32]chan Status // waiting for a stream's first onStatus
	queue   []Status               // onStatus not yet taken from statuses
	qsig    chan struct{}          // wakes the status pump
	err     error                  // why the reader stopped; set before done closes

	statuses  chan Status
	done      chan struct{} // closed when the reader goroutine ends
	closing   chan struct{} // closed by Close
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// Dial connects to addr over TCP and performs the handshake. ctx bounds
// the dial and the handshake; it does not affect the Conn afterwards.
func Dial(ctx context.Context, addr string, opts Options) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("client: dial: %w", err)
	}
	if err := shake(ctx, nc, opts.Digest); err != nil {
		nc.Close()
		return nil, err
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	if opts.FlashVer == "" {
		opts.FlashVer = DefaultFlashVer
	}
	c := &Conn{
		nc:       nc,
		opts:     opts,
		r:        chunk.NewReader(nc, opts.MaxMessage),
		w:        chunk.NewWriter(nc, chunk.DefaultChunkSize),
		calls:    map[float64]chan []any{},
		publish:  map[uint32]chan Status{},
		qsig:     make(chan struct{}, 1),
		statuses: make(chan Status),
		done:     make(chan struct{}),
		closing:  make(chan struct{}),
	}
	c.w.ExtendedType3 = !opts.NoExtendedType3
	c.w.WrapDeltas = opts.LibRTMP
	if opts.ChunkSize > 0 {
		if err := c.SetChunkSize(opts.ChunkSize); err != nil {
			nc.Close()
			return nil, err
		}
	}
	c.wg.Add(2)
	go c.readLoop()
	go c.pumpStatuses()
	return c, nil
}

// shake runs the client handshake under ctx's deadline and cancellation.
func shake(ctx context.Context, nc net.Conn, digest bool) error {
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	var err error
	if digest {
		err = handshake.ClientDigest(nc)
	} else {
		err = handshake.Client(nc)
	}
	stop()
	switch {
	case err == nil:
	case ctx.Err() != nil:
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	case errors.Is(err, os.ErrDeadlineExceeded):
		// ctx's deadline, set on the socket, may fire before ctx's own timer.
		err = fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
	}
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	return nc.SetDeadline(time.Time{})
}

// Statuses returns the channel carrying every onStatus the server sends,
// in order, including the one Publish returns. Statuses are queued without
// bound, so not reading them never stalls the connection. The channel is
// closed once the connection ended and every status was delivered, or at
// Close, which drops statuses not yet taken.
func (c *Conn) Statuses() <-chan Status { return c.statuses }

// Done is closed when the connection ended (the server closed it, a read
// failed, or Close was called).
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (io.EOF when the server closed it
// cleanly), or nil while it is up.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection and waits for the reader goroutine.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.closing)
		err = c.nc.Close()
		c.wg.Wait()
	})
	return err
}

// LocalAddr returns the client's address, to find its session on the server.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }
