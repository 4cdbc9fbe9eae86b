package rtmp

import (
	"container/list"
	"sync/atomic"
	"syscall"
	"time"
)

// Connection limit. Every connection costs a file descriptor, and so does
// every recording, HTTP request, callback and exec child: a flood of idle
// TCP connections must not take the descriptors that a publisher, its
// recording or /stat need. So the server holds at most max_connections
// connections (`auto`, the default: derived from RLIMIT_NOFILE, see
// AutoMaxConnections). When a new connection would go past it, the oldest
// idle one is closed to make room: first connections that have not
// completed the handshake, then those that have not sent connect. When
// every connection is connected to an application, the new one is closed
// instead.

// stage is how far a connection has come; idle ones are the first to go.
type stage uint8

const (
	stageHandshake stage = iota // accepted, handshake not completed
	stageConnect                // handshake done, connect not accepted yet
	stageApp                    // connected to an application
)

// fdReserve is what AutoMaxConnections keeps for everything but RTMP
// connections: listeners, log and pid files, HTTP clients, callbacks and
// the pipes of exec children.
const fdReserve = 128

// maxAuto bounds AutoMaxConnections when RLIMIT_NOFILE is unlimited.
const maxAuto = 1 << 20

// AutoMaxConnections is the connection limit of `max_connections auto`
// for a file descriptor limit of nofile: (nofile − 128) ÷ 2, at least 16.
// Half of what remains after the fixed reserve goes to connections, so
// that each may also hold a recording file.
func AutoMaxConnections(nofile uint64) int {
	if nofile > maxAuto*2+fdReserve {
		return maxAuto
	}
	return max((int(nofile)-fdReserve)/2, 16)
}

// nofileLimit returns the process's soft RLIMIT_NOFILE (which Go raises to
// the hard limit at start), or 1024 when it cannot be read.
func nofileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 1024
	}
	return rl.Cur
}

// connLimit is the registry's state for the limit; guarded by Registry.mu.
type connLimit struct {
	auto     int           // AutoMaxConnections of the process
	idle     [2]*list.List // sessions at stageHandshake and stageConnect, oldest first
	evicting int           // sessions closed to make room that have not ended yet
	current  atomic.Int64  // the limit applied at the last accept, for the metrics
	warned   [2]time.Time  // last Warn about making room, and about refusing
}

func (l *connLimit) init(auto int) {
	l.auto = auto
	l.idle = [2]*list.List{list.New(), list.New()}
	l.current.Store(int64(auto))
}

// effective is the limit for a configured max_connections (0 = auto).
func (l *connLimit) effective(configured int) int {
	if configured > 0 {
		return configured
	}
	return l.auto
}

// admission is what admit decided.
type admission struct {
	ok     bool     // s is registered; else it must be closed
	victim *Session // the idle session to close to make room, or nil
	warn   bool     // the limit is worth a Warn (see warnLimit)
}

// admit registers s under the limit, choosing an idle session to close
// when s would go past it. Called with Registry.mu held.
func (r *Registry) admit(s *Session, limit int) admission {
	r.limit.current.Store(int64(limit))
	var a admission
	if len(r.all)-r.limit.evicting >= limit {
		a.victim = r.oldestIdle()
		if a.victim == nil {
			r.stats.refusedAtLimit.Add(1)
			a.warn = r.warnLimit(1, time.Now())
			return a
		}
		r.unlist(a.victim)
		a.victim.evicted.Store(true)
		r.limit.evicting++
		r.stats.idleAtLimit.Add(1)
		a.warn = r.warnLimit(0, time.Now())
	}
	r.all[s] = struct{}{}
	s.stage = stageHandshake
	s.idleElem = r.limit.idle[stageHandshake].PushBack(s)
	a.ok = true
	return a
}

// oldestIdle returns the oldest session that has not completed the
// handshake, else the oldest that has not sent connect, else nil.
func (r *Registry) oldestIdle() *Session {
	for _, l := range r.limit.idle {
		if e := l.Front(); e != nil {
			return e.Value.(*Session)
		}
	}
	return nil
}

// unlist takes s out of the idle lists.
func (r *Registry) unlist(s *Session) {
	if s.idleElem != nil {
		r.limit.idle[s.stage].Remove(s.idleElem)
		s.idleElem = nil
	}
}

// advance records that s reached stage st.
func (r *Registry) advance(s *Session, st stage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s.evicted.Load() || s.stage >= st {
		return
	}
	r.unlist(s)
	s.stage = st
	if st < stageApp {
		s.idleElem = r.limit.idle[st].PushBack(s)
	}
}

// warnLimit reports whether a Warn about the limit (kind 0: making room,
// 1: refusing) is due: at most one a minute of each, the counters in the
// metrics tell the rest. Called with Registry.mu held.
func (r *Registry) warnLimit(kind int, now time.Time) bool {
	if now.Sub(r.limit.warned[kind]) < time.Minute {
		return false
	}
	r.limit.warned[kind] = now
	return true
}

// MaxConnections is the connection limit applied to the latest
// connection (max_connections, or its auto value).
func (r *Registry) MaxConnections() int { return int(r.limit.current.Load()) }

// stageName names the session's stage for logs.
func (s *Session) stageName() string {
	return [...]string{"handshake", "before connect", "connected"}[s.stage]
}
