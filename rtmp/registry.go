package rtmp

import (
	"cmp"
	"slices"
	"sync"
)

// Registry holds a server's sessions and the stream names their publishes
// claimed: one publisher per application and name. Safe for concurrent use.
type Registry struct {
	mu      sync.Mutex
	closed  bool
	all     map[*Session]struct{}
	pub     map[streamKey]*Session
	gone    uint64 // bytes received by the sessions already removed
	stats   counters
	partial partialBudget
	limit   connLimit
}

type streamKey struct{ app, name string }

func (r *Registry) init(maxPartial int64, autoConns int) {
	r.partial.max = maxPartial
	r.limit.init(autoConns)
	r.all = map[*Session]struct{}{}
	r.pub = map[streamKey]*Session{}
}

// Lookup returns the session publishing app/name, or nil.
func (r *Registry) Lookup(app, name string) *Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pub[streamKey{app, name}]
}

// Sessions returns every open connection, in connection number order,
// including those that have not sent connect yet.
func (r *Registry) Sessions() []*Session {
	r.mu.Lock()
	out := make([]*Session, 0, len(r.all))
	for s := range r.all {
		out = append(out, s)
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b *Session) int { return cmp.Compare(a.id, b.id) })
	return out
}

// add registers a new session under the connection limit (configured, 0
// meaning auto) and counts it in wg. It returns the admission, not ok
// once closed, so that Shutdown's wait cannot miss a session accepted
// concurrently.
func (r *Registry) add(s *Session, wg *sync.WaitGroup, configured int) admission {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return admission{}
	}
	a := r.admit(s, r.limit.effective(configured))
	if a.ok {
		wg.Add(1)
	}
	return a
}

// remove forgets s, keeping its byte count in the total; the connection
// is closed by then, so the count is final.
func (r *Registry) remove(s *Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.all[s]; ok {
		delete(r.all, s)
		r.gone += s.BytesIn()
		r.unlist(s)
		if s.evicted.Load() {
			r.limit.evicting--
		}
	}
}

// BytesIn is the number of bytes received by every connection since the
// server started, the open ones included (nginx-rtmp's global bytes_in).
// It never decreases.
func (r *Registry) BytesIn() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.gone
	for s := range r.all {
		n += s.BytesIn()
	}
	return n
}

// claim takes app/name for s; false when another session holds it.
func (r *Registry) claim(app, name string, s *Session) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := streamKey{app, name}
	if cur, ok := r.pub[k]; ok && cur != s {
		return false
	}
	r.pub[k] = s
	return true
}

// release frees app/name if s holds it.
func (r *Registry) release(app, name string, s *Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := streamKey{app, name}
	if r.pub[k] == s {
		delete(r.pub, k)
	}
}

func (r *Registry) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
}

func (r *Registry) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}
