package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/hub"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// maxNameLen bounds a name given by an on_publish redirect, as rtmp
// bounds the names clients send.
const maxNameLen = 255

// hook is one session's notify state. OnConnect, OnPublish and OnClose
// run on the session goroutine; RecordDone and the on_update timer come
// from other goroutines, hence mu.
type hook struct {
	m   *Module
	s   *rtmp.Session
	app *conf.Application
	q   *queue

	mu    sync.Mutex
	pub   *pubInfo    // current publish; nil when not publishing
	first time.Time   // first publish of the session, for on_update's time
	gen   int         // publish generation: stale update timers see a change
	timer *time.Timer // next on_update
	// stream is the current publish's stream hub: on_update reports its
	// last media timestamp. Nil when not publishing.
	stream *hub.Stream
}

func newHook(m *Module, s *rtmp.Session, app *conf.Application) *hook {
	return &hook{m: m, s: s, app: app, q: newQueue(m, s.Logger())}
}

func (h *hook) request(call, url string, f *form) *request {
	n := h.app.Notify
	return &request{call: call, url: url, method: n.Method, form: f, timeout: n.NetcallTimeout}
}

// OnConnect sends on_connect and refuses the connection unless it is
// allowed. A 3xx naming another application is refused: rtmprecd resolves
// the application before the hooks run.
func (h *hook) OnConnect(ctx context.Context, c *rtmp.Connect) error {
	url := h.app.Notify.OnConnect
	if url == "" {
		return nil
	}
	r, err := h.q.await(ctx, h.request("connect", url, connectForm(c, h.s.ID(), h.s.Started())))
	if err != nil {
		return fmt.Errorf("on_connect %s: %w", url, err)
	}
	switch r.verdict() {
	case allow:
		return nil
	case redirect:
		if r.location == "" || r.location == c.App {
			return nil
		}
		return fmt.Errorf("on_connect %s: redirect to application %q is not supported; connection refused", url, r.location)
	}
	return fmt.Errorf("on_connect %s: denied: %s", url, r)
}

// OnPublish sends on_publish and applies its verdict, then starts the
// publish's on_update timer and exec_publish commands.
func (h *hook) OnPublish(ctx context.Context, p *rtmp.Publish) error {
	if url := h.app.Notify.OnPublish; url != "" {
		f := publishForm(h.s.Connect(), h.s.ID(), p)
		r, err := h.q.await(ctx, h.request("publish", url, f))
		if err != nil {
			return fmt.Errorf("on_publish %s: %w", url, err)
		}
		if err := h.publishVerdict(p, r, url); err != nil {
			return err
		}
	}
	pi := &pubInfo{orig: p.OriginalName, name: p.Name, args: p.Args, typ: p.Type}
	h.start(pi)
	if cmds := h.app.Exec.Publish; len(cmds) > 0 {
		vars := sessionVars(h.s.Connect(), pi)
		h.q.push(&job{then: func(reply) { h.m.runAll(cmds, vars, h.app.Exec.Timeout, h.logger(), "exec_publish") }})
	}
	return nil
}

// publishVerdict reads on_publish's answer as nginx-rtmp does: 2xx
// allows, 3xx with a Location renames, anything else denies. Relaying to
// an rtmp:// Location is not supported and denies.
func (h *hook) publishVerdict(p *rtmp.Publish, r reply, url string) error {
	switch r.verdict() {
	case allow:
		return nil
	case redirect:
		loc := r.location
		switch {
		case loc == "":
			return nil
		case len(loc) >= 7 && strings.EqualFold(loc[:7], "rtmp://"):
			return fmt.Errorf("on_publish %s: redirect to %q: relaying to another RTMP server is not supported; publish denied", url, loc)
		case len(loc) > maxNameLen:
			return fmt.Errorf("on_publish %s: redirect to a name longer than %d bytes; publish denied", url, maxNameLen)
		}
		h.logger().Info("on_publish renamed the stream", "from", p.Name, "to", loc)
		p.Name = loc
		return nil
	}
	return fmt.Errorf("on_publish %s: denied: %s", url, r)
}

// start makes pi the current publish.
func (h *hook) start(pi *pubInfo) {
	h.m.register(h.s.ID(), h)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pub = pi
	h.stream = h.s.Stream()
	h.gen++
	if h.first.IsZero() {
		h.first = time.Now()
	}
	h.scheduleUpdate(h.gen)
}

// OnClose queues publish_done (then exec_publish_done) and done. The
// recorders' OnClose ran before this one, so their record_done calls are
// already queued ahead.
func (h *hook) OnClose(_ context.Context, why rtmp.CloseReason) {
	h.mu.Lock()
	pi := h.pub
	h.pub = nil
	h.gen++
	if h.timer != nil {
		h.timer.Stop()
		h.timer = nil
	}
	h.mu.Unlock()
	h.m.unregister(h.s.ID(), h)
	if pi == nil {
		return
	}
	c, n := h.s.Connect(), h.app.Notify
	var then func(reply)
	if cmds := h.app.Exec.PublishDone; len(cmds) > 0 {
		vars, log := sessionVars(c, pi), h.logger()
		then = func(reply) { h.m.runAll(cmds, vars, h.app.Exec.Timeout, log, "exec_publish_done") }
	}
	h.fire("publish_done", n.OnPublishDone, doneForm(c, h.s.ID(), "publish_done", pi, why), then)
	h.fire("done", n.OnDone, doneForm(c, h.s.ID(), "done", pi, why), nil)
}

// fire queues a fire-and-forget call (retried on failure) and its
// continuation; either may be absent.
func (h *hook) fire(call, url string, f *form, then func(reply)) {
	j := &job{retry: true, then: then}
	if url != "" {
		j.req = h.request(call, url, f)
	}
	if j.req != nil || then != nil {
		h.q.push(j)
	}
}

// logger is the session's logger of the moment (with the stream name
// while publishing).
func (h *hook) logger() *slog.Logger { return h.s.Logger() }
