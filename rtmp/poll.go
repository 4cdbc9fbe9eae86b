package rtmp

import (
	"errors"
	"io"
	"os"
	"sync"
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
// pings, Drop and Redirect are checked at every tick. A read that fills
// the buffer is followed at once by another, so a fast publisher is never
// held back by the clock; maxIdlePolls empty ticks fall back to the
// blocking read, so an idle connection costs nothing.

// tickClock wakes every session that waits on it at the next tick. It runs
// only while some session waits.
type tickClock struct {
	every   time.Duration
	mu      sync.Mutex
	cond    sync.Cond
	gen     uint64 // ticks so far
	waiting int
	running bool
}

func newTickClock(every time.Duration) *tickClock {
	c := &tickClock{every: every}
	c.cond.L = &c.mu
	return c
}

// wait blocks until the next tick, unless s was dropped or has Redirect
// work queued. Drop kicks the clock after marking the session, and wait
// checks the mark under the clock's lock, so a Drop is never missed.
func (c *tickClock) wait(s *Session) {
	c.mu.Lock()
	if s != nil && (s.dropReason() != "" || s.actions.ready.Load()) {
		c.mu.Unlock()
		return
	}
	g := c.gen
	c.waiting++
	if !c.running {
		c.running = true
		go c.run()
	}
	for c.gen == g {
		c.cond.Wait()
	}
	c.waiting--
	c.mu.Unlock()
}

// kick wakes every waiter now, for a Drop.
func (c *tickClock) kick() {
	c.mu.Lock()
	c.gen++
	c.cond.Broadcast()
	c.mu.Unlock()
}

// run ticks until a tick finds nobody waiting.
func (c *tickClock) run() {
	t := time.NewTicker(c.every)
	defer t.Stop()
	for range t.C {
		c.mu.Lock()
		if c.waiting == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.gen++
		c.cond.Broadcast()
		c.mu.Unlock()
	}
}

// poller is the non-blocking side of a session's socket reader.
type poller struct {
	raw    syscall.RawConn       // nil: the connection cannot be polled
	clock  *tickClock            // nil: polling disabled
	readFn func(fd uintptr) bool // r.readFD, bound once: no allocation per read
	peekFn func(fd uintptr) bool // r.peekFD, likewise
	ctlFn  func(fd uintptr)      // r.setLowat, likewise
	lastFn func(fd uintptr)      // r.readLast, likewise
	last   int                   // bytes read after Drop
	lowat  int                   // setLowat's value
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
	r.poll.readFn, r.poll.peekFn, r.poll.ctlFn, r.poll.lastFn = r.readFD, r.peekFD, r.setLowat, r.readLast
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

// startPolling turns polling on after a read that brought n bytes into p.
// The socket's receive low-water mark goes up to a whole read buffer: a
// socket whose reader polls would otherwise still wake the network
// poller's thread for every message that arrives (the runtime watches
// every socket), which costs nearly as much as the reads that polling
// saves. The mark does not change what a non-blocking read returns.
func (r *deadlineReader) startPolling(n int, p []byte) {
	r.poll.on, r.poll.wait, r.poll.idle = true, n < len(p), 0
	r.poll.lowat = readBufSize
	r.poll.raw.Control(r.poll.ctlFn)
}

// stopPolling goes back to waking on the first byte.
func (r *deadlineReader) stopPolling() {
	r.poll.on, r.poll.idle = false, 0
	r.poll.lowat = 1
	r.poll.raw.Control(r.poll.ctlFn)
}

// setLowat is a RawConn callback that sets SO_RCVLOWAT to r.poll.lowat;
// on failure polling works as well, only with more wakeups.
func (r *deadlineReader) setLowat(fd uintptr) {
	_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVLOWAT, r.poll.lowat)
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
	rb.drop()
	if err := r.poll.raw.Read(r.poll.peekFn); err != nil {
		return 0, err
	}
	p := rb.space()
	n, err := r.rawRead(p)
	if n > 0 && r.poll.clock != nil && r.s.pub != nil {
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
	}
	return n, err
}
