package rtmp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

var (
	// ErrNotPublishing is returned by Redirect for a session that is not
	// publishing, or that ended before the redirect could run.
	ErrNotPublishing = errors.New("not publishing")
	// ErrNameTaken is returned by Redirect when another session publishes
	// the new name.
	ErrNameTaken = errors.New("already publishing")
	// ErrPublishRefused is returned by Redirect when a PublishHook refused
	// the publish under the new name: as on a refused publish command, the
	// client got NetStream.Publish.Denied and the connection is closed.
	ErrPublishRefused = errors.New("publish refused")
)

// redirectReq is one Redirect call waiting for the session goroutine.
type redirectReq struct {
	name string
	done chan error // buffered 1: the session goroutine never blocks on it
}

// actionQueue holds the Redirect calls the session goroutine has not
// taken yet. ready mirrors len(q) > 0 so that the read path checks it
// with one atomic load.
type actionQueue struct {
	mu     sync.Mutex
	q      []*redirectReq
	closed bool // the session ended: nothing will run any more
	ready  atomic.Bool
}

// push queues r; false once the session ended.
func (a *actionQueue) push(r *redirectReq) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	a.q = append(a.q, r)
	a.ready.Store(true)
	return true
}

// withdraw removes r if the session goroutine has not taken it yet.
func (a *actionQueue) withdraw(r *redirectReq) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, x := range a.q {
		if x == r {
			a.q = append(a.q[:i], a.q[i+1:]...)
			a.ready.Store(len(a.q) > 0)
			return true
		}
	}
	return false
}

// pop takes the oldest queued request, or nil.
func (a *actionQueue) pop() *redirectReq {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.q) == 0 {
		return nil
	}
	r := a.q[0]
	a.q = a.q[1:]
	a.ready.Store(len(a.q) > 0)
	return r
}

// close fails every queued request and refuses later ones.
func (a *actionQueue) close() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	for r := a.pop(); r != nil; r = a.pop() {
		r.done <- fmt.Errorf("redirect: session ended: %w", ErrNotPublishing)
	}
}

// Redirect moves the session's publish to newName, as nginx-rtmp's
// control redirect: the current publish ends with CloseRedirect (every
// OnClose runs, so recordings are finished and record_done fires), then a
// new publish of newName (a "?args" part replaces the query args; without
// one the old args are kept) runs the whole OnPublish chain and claims the
// name. The client gets NetStream.Unpublish.Success, then
// NetStream.Publish.Start. The new Publish's OriginalName is the new name
// as asked (before hooks rename it), since nginx-rtmp's on_publish gets
// the new name, not the one the client sent; Type carries over, and so
// does the codec state, so that new recordings start with the sequence
// headers.
//
// The work runs on the session's goroutine, between two reads, where no
// hook is running; Redirect waits for the outcome or for ctx. It must not
// be called from the session's own hooks. Errors:
//   - ErrNotPublishing: the session is not publishing (or ended); nothing changed.
//   - a bad newName, or ErrNameTaken when another session publishes it
//     already: nothing changed, the publish goes on under its old name.
//   - ErrNameTaken after the old publish ended: an OnPublish hook renamed
//     the stream to a name taken meanwhile; as nginx-rtmp, the client got
//     NetStream.Publish.BadName and stays connected without publishing.
//   - ErrPublishRefused: a hook refused the new name; the connection closes.
//   - ctx's error: the redirect did not start and will not; or, when the
//     session goroutine had already taken it, it completes on its own.
func (s *Session) Redirect(ctx context.Context, newName string) error {
	if s.Publish() == nil {
		return fmt.Errorf("redirect: %w", ErrNotPublishing)
	}
	req := &redirectReq{name: newName, done: make(chan error, 1)}
	if !s.actions.push(req) {
		return fmt.Errorf("redirect: session ended: %w", ErrNotPublishing)
	}
	// Wake the goroutine if it is blocked reading; deadlineReader checks
	// the queue after each deadline change, so this cannot be lost.
	s.conn.SetReadDeadline(aLongTimeAgo)
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		if s.actions.withdraw(req) {
			return fmt.Errorf("redirect: %w", ctx.Err())
		}
		select {
		case err := <-req.done:
			return err
		default:
			return fmt.Errorf("redirect: still running: %w", ctx.Err())
		}
	}
}

// runActions runs the queued redirects on the session goroutine. An error
// means the connection must close (a hook refused the new name).
func (s *Session) runActions() error {
	for r := s.actions.pop(); r != nil; r = s.actions.pop() {
		if err := s.runRedirect(r); errors.Is(err, ErrPublishRefused) {
			return err
		}
	}
	return nil
}

// runRedirect runs one request and answers it, even when a hook panics:
// the panic goes on to serve's recovery, which drops the session.
func (s *Session) runRedirect(r *redirectReq) (err error) {
	defer func() {
		if v := recover(); v != nil {
			r.done <- fmt.Errorf("redirect: a hook panicked: %v", v)
			panic(v)
		}
	}()
	err = s.redirect(r.name)
	r.done <- err
	return err
}

// redirect moves the current publish to newName; see Redirect.
func (s *Session) redirect(newName string) error {
	ps := s.pub
	if ps == nil {
		return fmt.Errorf("redirect: %w", ErrNotPublishing)
	}
	old := ps.p
	name, args, hasArgs := strings.Cut(newName, "?")
	if !hasArgs {
		args = old.Args
	}
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("redirect %s: bad stream name %q", old.Name, name)
	}
	if cur := s.srv.reg.Lookup(ps.app, name); cur != nil && cur != s {
		return fmt.Errorf("redirect %s to %s: %w", old.Name, name, ErrNameTaken)
	}
	s.Logger().Info("redirecting publish", "newname", name, "args", args)
	s.endPublish(CloseRedirect)
	s.sendStatus(ps.streamID, "status", "NetStream.Unpublish.Success", "Stop publishing")
	p := &Publish{Name: name, OriginalName: name, Args: args, Type: old.Type}
	err := s.beginPublish(ps.streamID, p)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errRefused):
		return fmt.Errorf("redirect %s to %s: %w: %w", old.Name, name, ErrPublishRefused, err)
	default:
		return fmt.Errorf("redirect %s: %w", old.Name, err)
	}
}
