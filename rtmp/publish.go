package rtmp

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/hub"
)

// maxNameLen is nginx-rtmp's limit on stream names.
const maxNameLen = 255

// pubState is the session goroutine's view of the current publish.
type pubState struct {
	p        *Publish
	streamID uint32
	app      string
	// due[i] is set when hooks[i] must get OnClose: its OnPublish
	// succeeded, or it has no OnPublish and the publish succeeded.
	due    []bool
	stream *hub.Stream // counters, recorders (the AV hooks) and readers
	clock  timeline    // the publish's media timeline (timeline.go)
}

// onPublish handles the publish command: duplicate check, the OnPublish
// chain, the registry claim, then NetStream.Publish.Start.
func (s *Session) onPublish(c *command) error {
	raw, ok := c.stringArg(0)
	if !ok {
		return fmt.Errorf("publish: stream name missing")
	}
	typ, _ := c.stringArg(1)
	name, args, _ := strings.Cut(raw, "?")
	if why, desc := s.publishRefused(s.App().Name, name); why != "" {
		// Nothing else runs: no hook sees a publish that cannot start.
		s.appLog.Info("publish refused: "+why, "name", name, "addr", s.addr)
		s.sendStatus(c.streamID, "error", "NetStream.Publish.BadName", desc)
		return nil
	}
	// A new publish starts from an empty codec state; hooks may read it
	// from OnPublish on.
	s.media.Reset()
	err := s.beginPublish(c.streamID, &Publish{Name: name, OriginalName: name, Args: args, Type: typ})
	if errors.Is(err, ErrNameTaken) {
		return nil // answered with BadName; the client may publish again
	}
	return err
}

// beginPublish runs the OnPublish chain for p on message stream
// streamID, claims the name in the registry and starts the publish,
// answering the client with NetStream.Publish.Start. A refusing hook
// gives an error wrapping errRefused (the connection must close); a name
// that another session holds gives ErrNameTaken, after OnClose ran on the
// hooks that accepted the publish and the client got BadName.
func (s *Session) beginPublish(streamID uint32, p *Publish) error {
	app, asked := s.App().Name, p.Name
	log := s.appLog.With("name", p.Name)
	s.log.Store(log)
	s.pubStream.Store(streamID)
	ps := &pubState{p: p, streamID: streamID, app: app, due: make([]bool, len(s.hooks)), stream: s.newStream(app)}
	s.stream.Store(ps.stream)
	if err := s.runPublishHooks(ps); err != nil {
		s.endStream(ps)
		return err
	}
	if p.Name != asked {
		log = s.appLog.With("name", p.Name)
		s.log.Store(log)
	}
	if !s.srv.reg.claim(app, p.Name, s) {
		log.Info("publish refused: already publishing", "addr", s.addr)
		s.closeHooks(ps, CloseUnpublish)
		s.endStream(ps)
		s.log.Store(s.appLog)
		s.sendStatus(streamID, "error", "NetStream.Publish.BadName", "Already publishing")
		return fmt.Errorf("publish %s/%s: %w", app, p.Name, ErrNameTaken)
	}
	s.startPublish(ps)
	log.Info("publish start", "args", p.Args, "type", p.Type, "original_name", p.OriginalName)
	s.sendStatus(streamID, "status", "NetStream.Publish.Start", "Start publishing")
	return nil
}

// publishRefused says why app/name cannot be published by this session
// (for the log, and the onStatus description), or "".
func (s *Session) publishRefused(app, name string) (why, desc string) {
	switch {
	case s.pub != nil:
		return "already publishing on this connection", "Already publishing"
	case name == "" || len(name) > maxNameLen:
		return "bad stream name", "Bad stream name"
	case s.srv.reg.Lookup(app, name) != nil:
		return "already publishing", "Already publishing"
	}
	return "", ""
}

// runPublishHooks runs OnPublish in module order. The first error rejects
// the publish: hooks that already succeeded get OnClose, the client gets
// NetStream.Publish.Denied and, as nginx-rtmp does on a denied publish,
// the connection is closed.
func (s *Session) runPublishHooks(ps *pubState) error {
	for i, h := range s.hooks {
		if h.Publish == nil {
			continue
		}
		if err := s.callOnPublish(i, h.Publish, ps.p); err != nil {
			why := s.dropReason() // a Drop (shutdown) during OnPublish cancels its context
			if why == "" {
				why = CloseDrop
				s.Logger().Info("publish refused", "module", s.srv.opts.Modules[i].Name(), "err", err.Error(), "addr", s.addr)
			}
			s.closeHooks(ps, why)
			s.sendStatus(ps.streamID, "error", "NetStream.Publish.Denied", "Publish refused")
			return fmt.Errorf("%w: module %s: %w", errRefused, s.srv.opts.Modules[i].Name(), err)
		}
		ps.due[i] = true
	}
	return nil
}

// callOnPublish runs one OnPublish; a panic refuses the publish like an
// error, so that the hooks that already accepted it still get OnClose.
func (s *Session) callOnPublish(i int, ph PublishHook, p *Publish) (err error) {
	defer func() {
		if v := recover(); v != nil {
			s.Logger().Error("OnPublish panicked", "module", s.srv.opts.Modules[i].Name(),
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = fmt.Errorf("OnPublish panicked: %v", v)
		}
	}()
	return ph.OnPublish(s.ctx, p)
}

// newStream is the stream hub of a publish about to start. Hooks reach it
// through Session.Stream from OnPublish on.
func (s *Session) newStream(app string) *hub.Stream {
	return hub.New(app, hub.Options{Now: s.srv.now, BandwidthInterval: s.srv.opts.BandwidthInterval,
		Codec: s.media.State, Wire: s.BytesIn})
}

// endStream ends ps's stream once its hooks are closed: Stream.Done tells
// the control API's drop that the recordings are finished.
func (s *Session) endStream(ps *pubState) {
	ps.stream.Close()
	s.stream.CompareAndSwap(ps.stream, nil)
}

// startPublish makes ps the current publish: every hook without
// OnPublish joins, media starts flowing through the stream hub to the AV
// hooks (its recorders, in module order).
func (s *Session) startPublish(ps *pubState) {
	var av []hub.Recorder
	for i, h := range s.hooks {
		if h.none() {
			continue
		}
		if h.Publish == nil {
			ps.due[i] = true
		}
		if h.AV != nil {
			av = append(av, h.AV)
		}
	}
	ps.stream.Start(ps.p.Name, av)
	s.pub = ps
	s.publish.Store(ps.p)
	s.startIdleTimer()
}

// unpublish ends the current publish at the client's request.
func (s *Session) unpublish() error {
	ps := s.pub
	if ps == nil {
		return nil
	}
	s.endPublish(CloseUnpublish)
	s.sendStatus(ps.streamID, "status", "NetStream.Unpublish.Success", "Stop publishing")
	return nil
}

// endPublish runs OnClose once for the current publish, if any, and only
// then frees the name, so that a reconnecting publisher cannot start while
// the old publish's files are still being finished.
func (s *Session) endPublish(why CloseReason) {
	ps := s.pub
	if ps == nil {
		return
	}
	s.pub = nil
	s.stopIdleTimer()
	s.publish.Store(nil)
	defer s.log.Store(s.appLog)
	defer s.srv.reg.release(ps.app, ps.p.Name, s)
	defer s.endStream(ps)
	s.closeHooks(ps, why)
	s.Logger().Info("publish stop", "reason", why)
}

// closeHooks calls OnClose in reverse module order on the hooks due.
func (s *Session) closeHooks(ps *pubState, why CloseReason) {
	ctx, cancel := s.closeContext(why)
	defer cancel()
	for i := len(s.hooks) - 1; i >= 0; i-- {
		if !ps.due[i] {
			continue
		}
		ps.due[i] = false
		if ch := s.hooks[i].Close; ch != nil {
			s.callOnClose(ctx, i, ch, why)
		}
	}
}

// callOnClose runs one OnClose; a panic is logged and does not keep the
// remaining hooks from finishing their work.
func (s *Session) callOnClose(ctx context.Context, i int, ch CloseHook, why CloseReason) {
	defer func() {
		if r := recover(); r != nil {
			s.Logger().Error("OnClose panicked", "module", s.srv.opts.Modules[i].Name(), "panic", fmt.Sprint(r))
		}
	}()
	ch.OnClose(ctx, why)
}

// closeContext is the context for OnClose: not cancelled by the session
// ending, bounded by shutdown_timeout when the server is shutting down,
// and cancelled when Shutdown gives up.
func (s *Session) closeContext(why CloseReason) (context.Context, context.CancelFunc) {
	if why == CloseShutdown {
		t := s.cfg.ShutdownTimeout
		if t <= 0 {
			t = 10 * time.Second
		}
		return context.WithTimeout(s.srv.base, t)
	}
	return context.WithCancel(s.srv.base)
}
