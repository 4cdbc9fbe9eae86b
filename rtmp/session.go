package rtmp

import (
	"container/list"
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/hub"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// Session is one RTMP connection. Its protocol runs on one goroutine; the
// exported methods are safe from any goroutine.
type Session struct {
	id     uint64
	addr   string
	srv    *Server
	conn   net.Conn
	cfg    *conf.Config
	server *conf.Server
	start  time.Time

	app     atomic.Pointer[conf.Application]
	log     atomic.Pointer[slog.Logger]
	connect atomic.Pointer[Connect]
	publish atomic.Pointer[Publish]
	stream  atomic.Pointer[hub.Stream] // the publish's stream hub, from OnPublish to its end
	dropped atomic.Pointer[CloseReason]
	// lastAV is when the publish last sent audio or video, in nanoseconds
	// since start; read by the drop_idle_publisher timer.
	lastAV    atomic.Int64
	pubStream atomic.Uint32 // message stream of the publish, for SendStatus
	bytesIn   atomic.Uint64 // every byte read from the socket, handshake included
	held      atomic.Int64  // bytes of unfinished messages counted in the server's budget (partial.go)

	// Guarded by the registry's mutex (limit.go).
	stage    stage
	idleElem *list.Element // in the registry's idle list of stage; nil when not idle
	evicted  atomic.Bool   // closed to make room under max_connections; set under the registry's mutex

	bytesOut  atomic.Uint64 // every byte of the chunk stream written (not the handshake)
	handshook atomic.Bool   // the handshake completed; read by logEnd and the access log
	actions   actionQueue   // Redirect calls for the session goroutine

	// ctx is cancelled by Drop and when the session ends, so that OnConnect
	// and OnPublish calls give up with the connection.
	ctx    context.Context
	cancel context.CancelFunc

	// Owned by the session goroutine.
	in         deadlineReader
	rbuf       readBuf // buffered reader on in
	rd         *chunk.Reader
	appLog     *slog.Logger // logger with sid and app, without name
	hooks      []Hooks      // one per module, zero when the module takes no part
	pub        *pubState
	streams    map[uint32]struct{}
	nextStream uint32
	peerWindow uint64 // acknowledgement window the peer asked for
	lastAck    uint64
	// media classifies the publish's messages and keeps its codec state;
	// its Frame is reused for every OnAV call: no allocation per message.
	media media.Parser
	idle  *idleTimer

	// Output: the chunk writer is not safe for concurrent use and
	// SendStatus may come from any goroutine.
	wmu     sync.Mutex
	wr      *chunk.Writer
	wbuf    []byte
	wbroken bool
}

func newSession(srv *Server, c net.Conn, cfg *conf.Config, sc *conf.Server, id uint64) *Session {
	s := &Session{
		id:      id,
		addr:    remoteIP(c),
		srv:     srv,
		conn:    c,
		cfg:     cfg,
		server:  sc,
		start:   time.Now(),
		streams: map[uint32]struct{}{},
	}
	s.ctx, s.cancel = context.WithCancel(srv.base)
	s.appLog = srv.log.With("sid", id)
	s.log.Store(s.appLog)
	s.in = deadlineReader{s: s, c: c}
	s.in.initPoll(srv.poll)
	s.rbuf.in = &s.in
	s.wr = chunk.NewWriter(countingWriter{c, &s.bytesOut}, chunk.DefaultChunkSize)
	return s
}

func remoteIP(c net.Conn) string {
	a := c.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(a); err == nil {
		return host
	}
	return a
}

// ID is the connection number (clientid in callbacks and /stat).
func (s *Session) ID() uint64 { return s.id }

// Addr is the remote IP address without port.
func (s *Session) Addr() string { return s.addr }

// Config is the configuration snapshot the connection was accepted with.
func (s *Session) Config() *conf.Config { return s.cfg }

// Server is the rtmp server block the connection was accepted on.
func (s *Session) Server() *conf.Server { return s.server }

// App is the application the connect command named; nil before connect.
func (s *Session) App() *conf.Application { return s.app.Load() }

// Logger carries sid and app attributes (and name once publishing).
func (s *Session) Logger() *slog.Logger { return s.log.Load() }

// Codec returns the current codec state of the publish; never nil. A new
// publish starts from an empty state.
func (s *Session) Codec() *media.State { return s.media.State() }

// Stream returns the stream hub of the current publish: set before the
// OnPublish chain runs (so hooks can keep it) and nil once the publish
// ended (after every OnClose) or when the session does not publish. Its
// counters are /stat's, the metrics' and on_update's.
func (s *Session) Stream() *hub.Stream { return s.stream.Load() }

// Connect returns the connect command's description; nil before connect.
func (s *Session) Connect() *Connect { return s.connect.Load() }

// Publish returns the current publish (after renames); nil when not publishing.
func (s *Session) Publish() *Publish { return s.publish.Load() }

// BytesIn is the number of bytes received on the connection so far, as
// read from the socket: handshake, chunk headers, every message (nginx-rtmp's
// per-connection in_bytes).
func (s *Session) BytesIn() uint64 { return s.bytesIn.Load() }

// Started is when the connection was accepted.
func (s *Session) Started() time.Time { return s.start }

// SendStatus sends an onStatus message to the client on the publishing
// stream. Safe from any goroutine. It returns as soon as the message is in
// the socket buffer, which for a publisher (who receives next to nothing)
// is at once; a client that stopped reading can hold it for at most
// min(timeout, 10s), after which the session is dropped.
func (s *Session) SendStatus(level, code, description string) {
	sid := s.pubStream.Load()
	if sid == 0 {
		sid = 1
	}
	s.sendStatus(sid, level, code, description)
}

// Drop asks the session's goroutine to close the connection with reason
// why; it returns at once. Recorders are finished by the session
// goroutine. The first reason given wins.
func (s *Session) Drop(why CloseReason) {
	if !s.dropped.CompareAndSwap(nil, &why) {
		return
	}
	s.cancel()
	// Wake the goroutine if it is blocked reading; deadlineReader checks
	// dropped after each deadline change, so this cannot be lost. A
	// polling session waits for the clock instead.
	s.conn.SetReadDeadline(aLongTimeAgo)
	if c := s.srv.poll; c != nil {
		c.kick()
	}
}

var aLongTimeAgo = time.Unix(1, 0)

// dropReason is the reason given to Drop, or "".
func (s *Session) dropReason() CloseReason {
	if p := s.dropped.Load(); p != nil {
		return *p
	}
	return ""
}

// serve runs the connection to its end on the session's goroutine.
func (s *Session) serve() {
	defer s.srv.sessions.Done()
	defer s.ended() // after the socket is closed: the byte counts are final
	defer s.srv.reg.remove(s)
	defer s.releasePartial()
	defer s.conn.Close()
	defer s.cancel()
	defer s.actions.close() // after recoverPanic: fails the Redirect calls still queued
	defer s.recoverPanic()
	why, err := s.run()
	s.endPublish(why)
	s.logEnd(why, err)
}

// recoverPanic keeps a bug in one session (a module's hook, most likely)
// from taking down every other publisher: it logs the panic and still
// closes the publish for the hooks that did not run OnClose yet.
func (s *Session) recoverPanic() {
	r := recover()
	if r == nil {
		return
	}
	s.Logger().Error("session panicked; dropping it", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	s.endPublish(CloseDrop)
}

// run does the handshake and reads messages until the connection ends.
func (s *Session) run() (CloseReason, error) {
	br := &s.rbuf
	defer br.close()
	if err := s.handshake(br); err != nil {
		return s.classify(err)
	}
	s.srv.reg.advance(s, stageConnect)
	// Until connect completes, only what connect needs (partial.go).
	s.rd = chunk.NewReader(br, preConnectMaxMessage)
	s.rd.SetLimits(preConnectMaxMessage, preConnectStreams)
	s.rd.SetClock(int64(time.Since(s.start)))
	for {
		m, err := s.rd.ReadMessage()
		if err != nil {
			return s.classify(err)
		}
		if err := s.handle(m); err != nil {
			return s.classify(err)
		}
	}
}
