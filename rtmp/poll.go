package rtmp

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// DefaultPollInterval is how often a publishing session reads its socket
// while media flows (Options.PollInterval).
const DefaultPollInterval = 50 * time.Millisecond

// maxIdlePolls is how many empty polls in a row send a session back to
// blocking reads: a stream that pauses costs no wakeups.
const maxIdlePolls = 3

// Why poll: a real-time publisher sends some 80 small messages a second.
// Read one by one, each costs a wakeup from the network poller, a read,
// a read that finds the socket empty, and the scheduler's thread handoffs
// around them, which on a small machine costs more than the recording
// itself. While a session publishes it instead reads its socket once per
// tick of a process-wide clock, taking whatever arrived meanwhile in one
// read (a tick's worth of a few-Mbit/s stream fits the socket buffer many
// times over), and all the sessions woken by a tick run back to back.
// Media reaches the recorders at most one tick later; nothing else
// changes: the same bytes go through the same reader, and timeouts,
// pings, Drop and Redirect are checked at every tick (Drop wakes the
// session at once, and what had arrived before it is still read). A read
// that fills the buffer is followed at once by another, so a backlog is
// drained without waiting; a stream too heavy for its socket buffer per
// tick is read as it arrives (see heavyHold), so polling never holds a
// publisher back; and maxIdlePolls empty ticks fall back to the blocking
// read, so an idle connection costs nothing.

// poller is the non-blocking side of a session's socket reader.
type poller struct {
	raw    syscall.RawConn       // nil: the connection cannot be polled
	clock  *tickClock            // nil: polling disabled
	readFn func(fd uintptr) bool // r.readFD, bound once: no allocation per read
	peekFn func(fd uintptr) bool // r.peekFD, likewise
	ctlFn  func(fd uintptr)      // r.tune, likewise
	lastFn func(fd uintptr)      // r.readLast, likewise
	last   int                   // bytes read after Drop
	rcvbuf int                   // SO_RCVBUF when polling started
	since  time.Time             // start of the current rate measurement
	bytes  int                   // read since then
	heavy  time.Time             // no polling before then: the stream is too heavy
	p      []byte                // readFD's buffer, result and error
	n      int
	err    error
	on     bool // polling: the session publishes and media flowed lately
	wait   bool // wait for a tick before the next read (the last one drained the socket)
	idle   int  // empty polls in a row
	peek   [1]byte
}

// initPoll sets up non-blocking reads for connections that expose their
// file descriptor (TCP); clock nil disables polling.
func (r *deadlineReader) initPoll(clock *tickClock) {
	sc, ok := r.c.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	r.poll = poller{raw: raw, clock: clock}
	r.poll.readFn, r.poll.peekFn, r.poll.ctlFn, r.poll.lastFn = r.readFD, r.peekFD, r.tune, r.readLast
}

// maxLast bounds what a dropped session still reads.
const maxLast = 8 << 20

// dropped ends the read loop after Drop. A polling session first takes,
// read by read, what the kernel already holds: a session woken for every
// message would have read it before Drop, and a shutdown must not cost
// the last tick of media. Drop moved the read deadline to the past, so
// these reads go through Control, which ignores deadlines.
func (r *deadlineReader) dropped(rb *readBuf) (int, error) {
	if !r.poll.on || r.poll.last >= maxLast {
		return 0, errDropped
	}
	r.poll.p = rb.space()
	err := r.poll.raw.Control(r.poll.lastFn)
	r.poll.p = nil
	if err != nil || r.poll.n == 0 {
		rb.drop()
		return 0, errDropped
	}
	r.poll.last += r.poll.n
	r.s.bytesIn.Add(uint64(r.poll.n))
	return r.poll.n, nil
}

// readLast is the Control callback of dropped: one non-blocking read.
func (r *deadlineReader) readLast(fd uintptr) {
	r.readFD(fd)
	if r.poll.err != nil {
		r.poll.n = 0
	}
}

// Heavy streams. Polling lets up to a receive window of data queue in
// the kernel per tick; a stream that sends more than that per tick would
// be held back. A stream whose average over a second exceeds a quarter of
// the socket's receive buffer per tick (5 Mbit/s with Linux's default
// 128 KiB buffer and 50 ms ticks; more once the kernel grew the buffer)
// is read as it arrives instead, as before polling, for heavyHold.
const (
	heavyHold = 10 * time.Second
	heavyMin  = 8 << 10 // bytes per tick below which no stream is heavy
)

// startPolling turns polling on after a read that brought n bytes into p.
// The socket's receive low-water mark goes up to a quarter of its receive
// buffer (at most a read buffer): a socket whose reader polls would
// otherwise still wake the network poller's thread for every message that
// arrives (the runtime watches every socket), which costs nearly as much
// as the reads that polling saves. The mark changes neither what a
// non-blocking read returns nor the receive window (a larger one would:
// Linux clamps the window to a mark it has to grow the buffer for).
func (r *deadlineReader) startPolling(n int, p []byte) {
	r.poll.on, r.poll.wait, r.poll.idle = true, n < len(p), 0
	r.poll.since, r.poll.bytes = time.Now(), 0
	r.poll.raw.Control(r.poll.ctlFn)
}

// stopPolling goes back to waking on the first byte.
func (r *deadlineReader) stopPolling() {
	r.poll.on, r.poll.idle = false, 0
	r.poll.raw.Control(r.poll.ctlFn)
}

// tune is a RawConn callback: while polling it reads SO_RCVBUF and sets
// SO_RCVLOWAT to a quarter of it, else back to 1. On failure polling works
// as well, only with more wakeups.
func (r *deadlineReader) tune(fd uintptr) {
	lowat := 1
	if r.poll.on {
		if b, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF); err == nil {
			r.poll.rcvbuf = b
		}
		lowat = min(readBufSize, max(r.poll.rcvbuf/4, 1))
	}
	_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVLOWAT, lowat)
}

// tooHeavy checks, once a second, whether the stream sends too much per
// tick to be polled (see heavyHold).
func (r *deadlineReader) tooHeavy() bool {
	now := time.Now()
	el := now.Sub(r.poll.since)
	if el < time.Second {
		return false
	}
	perTick := int64(r.poll.bytes) * int64(r.poll.clock.every) / int64(el)
	r.poll.since, r.poll.bytes = now, 0
	if perTick < heavyMin || perTick < int64(r.poll.rcvbuf/4) {
		return false
	}
	r.poll.heavy = now.Add(heavyHold)
	return true
}

// readFD is a RawConn callback: one non-blocking read, never a wait.
func (r *deadlineReader) readFD(fd uintptr) bool {
	for {
		n, err := syscall.Read(int(fd), r.poll.p)
		if err == syscall.EINTR {
			continue
		}
		r.poll.n, r.poll.err = max(n, 0), err
		return true
	}
}

// peekFD is a RawConn callback that returns once the socket has a byte,
// EOF or an error to read, leaving it there: the network poller waits
// (under the read deadline) while the session holds no buffer.
func (r *deadlineReader) peekFD(fd uintptr) bool {
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&r.poll.peek[0])), 1,
			syscall.MSG_PEEK, 0, 0)
		switch errno {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		return true
	}
}

// rawRead does one non-blocking read into p: data, io.EOF, syscall.EAGAIN,
// or the error of the read or of the connection (closed, deadline).
func (r *deadlineReader) rawRead(p []byte) (int, error) {
	r.poll.p = p
	err := r.poll.raw.Read(r.poll.readFn)
	r.poll.p = nil
	if err != nil {
		return 0, err
	}
	n, err := r.poll.n, r.poll.err
	switch {
	case n > 0:
		return n, nil
	case err == nil:
		return 0, io.EOF
	case err == syscall.EAGAIN:
		return 0, err
	}
	return 0, os.NewSyscallError("read", err)
}

// errPollAgain asks fill to check deadlines, Drop and Redirect and call
// readOnce again: a tick passed, a poll found nothing, or the socket was
// not readable after all.
var errPollAgain = errors.New("poll: again")

// readOnce reads into rb once: polling while publishing, else waiting for
// the socket without a buffer, then reading (or, on a connection without
// a file descriptor, a plain blocking read).
func (r *deadlineReader) readOnce(rb *readBuf) (int, error) {
	if r.poll.raw == nil {
		return r.c.Read(rb.space())
	}
	if r.poll.on {
		return r.pollRead(rb)
	}
	if time.Now().Before(r.poll.heavy) {
		// A heavy stream keeps its buffer while it waits: one read
		// syscall fewer per wakeup, and such streams are few.
		return r.c.Read(rb.space())
	}
	rb.drop()
	if err := r.poll.raw.Read(r.poll.peekFn); err != nil {
		return 0, err
	}
	p := rb.space()
	n, err := r.rawRead(p)
	if n > 0 && r.poll.clock != nil && r.s.pub != nil && !time.Now().Before(r.poll.heavy) {
		r.startPolling(n, p)
	}
	if err == syscall.EAGAIN {
		rb.drop()
		return 0, errPollAgain
	}
	return n, err
}

// pollRead reads what arrived since the last read with one non-blocking
// read, after waiting for a tick (without a buffer) if the last read
// drained the socket. maxIdlePolls empty polls in a row turn polling off.
func (r *deadlineReader) pollRead(rb *readBuf) (int, error) {
	if r.poll.wait {
		r.poll.wait = false
		if r.tooHeavy() {
			r.stopPolling()
			return 0, errPollAgain
		}
		rb.drop()
		r.poll.clock.wait(r.s)
		return 0, errPollAgain
	}
	p := rb.space()
	n, err := r.rawRead(p)
	if err == syscall.EAGAIN {
		rb.drop()
		if r.poll.idle++; r.poll.idle >= maxIdlePolls {
			r.stopPolling()
		} else {
			r.poll.wait = true
		}
		return 0, errPollAgain
	}
	if n > 0 {
		r.poll.idle, r.poll.wait = 0, n < len(p)
		r.poll.bytes += n
	}
	return n, err
}
