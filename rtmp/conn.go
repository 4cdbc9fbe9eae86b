package rtmp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/handshake"
)

var (
	// errDropped ends the read loop after Drop.
	errDropped = errors.New("dropped")
	// errTimeout reports a silent peer: nothing read for the server's
	// timeout, or no answer to a ping within ping_timeout.
	errTimeout = errors.New("timed out")
	// errRefused ends a session whose refusal was already logged and
	// answered (unknown application, vetoed connect or publish).
	errRefused = errors.New("refused")
)

// deadlineReader is the session's socket reader. It implements the
// server's timeout and nginx-style pings with read deadlines, re-arming
// the deadline lazily so that the hot path does not touch the timer on
// every read, it notices Drop, and it runs Redirect's queued work: between
// two socket reads no hook is running, and a chunk message cut in the
// middle simply continues under the new publish.
type deadlineReader struct {
	s         *Session
	c         net.Conn
	handshake bool      // the caller manages one deadline for the handshake
	last      time.Time // when bytes last arrived
	armed     time.Time // the read deadline currently set; zero = none
	pinged    time.Time // when a ping was sent and not yet answered by any byte
	poll      poller    // reads once per tick while publishing (poll.go)
}

// fill reads from the connection into rb's free space, sending a ping
// after `ping` of silence and failing with errTimeout after `timeout` of
// silence or `ping_timeout` after an unanswered ping. It waits for the
// socket (or, while polling, for the next tick) without holding a buffer
// where the connection allows it.
func (r *deadlineReader) fill(rb *readBuf) (int, error) {
	if r.handshake {
		if r.s.dropReason() != "" {
			return 0, errDropped
		}
		n, err := r.c.Read(rb.space())
		r.s.bytesIn.Add(uint64(n))
		return n, err
	}
	if r.last.IsZero() {
		r.last = time.Now()
	}
	if r.s.rd != nil {
		r.s.reportPartial()
	}
	for {
		now := time.Now()
		dl := r.deadline()
		if !now.Before(dl) {
			if err := r.expired(now); err != nil {
				return 0, err
			}
			continue
		}
		if r.armed.IsZero() || dl.Before(r.armed) {
			r.c.SetReadDeadline(dl)
			r.armed = dl
		}
		if r.s.dropReason() != "" {
			return r.dropped(rb)
		}
		if r.s.actions.ready.Load() {
			if err := r.s.runActions(); err != nil {
				return 0, err
			}
			r.armed = time.Time{} // Redirect moved the deadline to the past
			continue
		}
		n, err := r.readOnce(rb)
		if n > 0 {
			r.s.bytesIn.Add(uint64(n))
			r.last = time.Now()
			r.pinged = time.Time{}
			if r.s.rd != nil {
				r.s.rd.SetClock(int64(r.last.Sub(r.s.start)))
			}
			return n, err
		}
		if err == errPollAgain {
			continue
		}
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		if r.s.dropReason() != "" {
			return r.dropped(rb)
		}
		r.armed = time.Time{} // the conn is timed out until the next SetReadDeadline
	}
}

// noTimeout stands for a timeout of 0 (none).
const noTimeout = 100 * 365 * 24 * time.Hour

// timeout is the server's socket timeout; 0 means none.
func (r *deadlineReader) timeout() time.Duration {
	if t := r.s.server.Timeout; t > 0 {
		return t
	}
	return noTimeout
}

// deadline is when the current silence, or the oldest unfinished
// message, stops being acceptable.
func (r *deadlineReader) deadline() time.Time {
	sc := r.s.server
	dl := r.last.Add(r.timeout())
	if md, ok := r.messageDeadline(); ok && md.Before(dl) {
		dl = md
	}
	if sc.Ping > 0 {
		next := r.last.Add(sc.Ping)
		if !r.pinged.IsZero() {
			next = r.pinged.Add(sc.PingTimeout)
		}
		if next.Before(dl) {
			dl = next
		}
	}
	return dl
}

// expired handles a deadline that passed: a message too slow drops the
// client; else ping once, else time out.
func (r *deadlineReader) expired(now time.Time) error {
	if md, ok := r.messageDeadline(); ok && !now.Before(md) {
		return r.slowMessage()
	}
	sc := r.s.server
	if sc.Ping <= 0 || !r.pinged.IsZero() || !now.Before(r.last.Add(r.timeout())) {
		if !r.pinged.IsZero() {
			return fmt.Errorf("ping: unanswered for %v: %w", sc.PingTimeout, errTimeout)
		}
		return fmt.Errorf("nothing received for %v: %w", now.Sub(r.last).Round(time.Millisecond), errTimeout)
	}
	r.pinged = now
	return r.s.sendPing(uint32(now.Sub(r.s.start).Milliseconds()))
}

// handshake runs the server handshake under one deadline.
func (s *Session) handshake(br io.Reader) error {
	s.in.handshake = true
	s.conn.SetDeadline(time.Now().Add(s.srv.opts.HandshakeTimeout))
	err := handshake.Server(struct {
		io.Reader
		io.Writer
	}{br, s.conn})
	s.in.handshake = false
	s.conn.SetDeadline(time.Time{})
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) && s.dropReason() == "" {
			return fmt.Errorf("handshake: not completed within %v: %w", s.srv.opts.HandshakeTimeout, errTimeout)
		}
		return err // already "handshake: ..."
	}
	s.handshook.Store(true)
	return nil
}

// classify maps the error that ended the read loop to a close reason.
func (s *Session) classify(err error) (CloseReason, error) {
	if why := s.dropReason(); why != "" {
		return why, nil
	}
	if errors.Is(err, errRefused) {
		return CloseDrop, err
	}
	if isDisconnect(err) {
		return CloseDisconnect, err
	}
	return CloseDrop, err
}

func isDisconnect(err error) bool {
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, errTimeout,
		os.ErrDeadlineExceeded, syscall.ECONNRESET, syscall.EPIPE, syscall.ECONNABORTED} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// logEnd writes the one record that says why the connection ended:
// Warn for a client dropped for misbehaviour, Info otherwise, Debug for a
// connection that ended before completing the handshake (logHandshakeEnd)
// or was closed to make room under max_connections (one Warn a minute
// says so, limit.go).
func (s *Session) logEnd(why CloseReason, err error) {
	if !s.handshook.Load() {
		s.logHandshakeEnd(err)
		return
	}
	log := s.Logger()
	if s.evicted.Load() {
		log.Debug("connection closed to make room under max_connections")
		return
	}
	switch {
	case err == nil:
		log.Info("connection closed", "reason", why)
	case errors.Is(err, errRefused):
		log.Debug("connection closed after refusal")
	case why == CloseDisconnect:
		if errors.Is(err, io.EOF) {
			log.Info("connection closed", "reason", why)
			return
		}
		log.Info("connection closed", "reason", why, "err", err.Error())
	default:
		log.Warn("dropping client", "reason", why, "err", err.Error(), "addr", s.addr)
	}
}

// logHandshakeEnd logs and counts a connection that ended before
// completing the handshake. Load balancers' TCP health checks and port
// scanners connect and close all day: that is logged at Debug and counted
// in the metrics. Bytes that are not an RTMP handshake are misbehaviour,
// logged at Warn (and counted); a connection the server closed itself
// (max_connections, shutdown) was logged where that was decided.
func (s *Session) logHandshakeEnd(err error) {
	log, c := s.Logger(), &s.srv.reg.stats
	switch {
	case s.dropReason() != "":
		log.Debug("connection closed during the handshake", "reason", s.dropReason())
	case errors.Is(err, errTimeout):
		c.hsTimeout.Add(1)
		log.Debug("connection closed before completing the handshake", "err", err.Error(), "addr", s.addr)
	case isDisconnect(err):
		c.hsClosed.Add(1)
		log.Debug("connection closed by the client before completing the handshake", "err", err.Error(), "addr", s.addr)
	default:
		c.hsInvalid.Add(1)
		log.Warn("dropping client", "reason", CloseDrop, "err", err.Error(), "addr", s.addr)
	}
}
