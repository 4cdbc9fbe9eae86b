// Package httpd serves the `http {}` block of the configuration: one
// router in front of every location directive. Features register a Route
// per directive (the control API for rtmp_control, /stat for rtmp_stat,
// Prometheus for rtmp_metrics, ...); the router owns what they share: the
// listeners (bound by the daemon's one listener planner, internal/listen),
// the location match (longest prefix, as nginx's prefix locations), the
// control_token check, request limits, panic recovery, the swap of the
// served block on reload, and the warning about locations reachable beyond
// loopback without a token. Adding an endpoint is adding a Route: there is
// no central switch to edit.
//
// Usage:
//
//	rt := httpd.New(httpd.Options{Routes: routes, Logger: log})
//	set := listen.NewSet(log, map[string]listen.Server{listen.HTTP: rt, ...})
//	... set.Prepare / Detach / Commit at start and on each reload ...
//	rt.Shutdown(ctx)
//
// or, standalone, rt.Apply(cfg) at start and on each reload.
package httpd

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/listen"
)

// DefaultMaxBody bounds a request body unless the route says otherwise.
const DefaultMaxBody = 64 << 10

// Location is where a request is served: the matched location and the
// configuration snapshot its http block belongs to (nil when the router
// serves a block given to Handler).
type Location struct {
	*conf.Location
	Config *conf.Config
}

// Route is what one location directive serves.
type Route struct {
	// Directive is the location directive that enables the route, for
	// logs: "rtmp_control".
	Directive string
	// Serves reports whether loc enables the route.
	Serves func(loc *conf.Location) bool
	// Sensitive marks a route that can change something or reveal
	// something (streams, client addresses, recordings): a location that
	// serves it beyond loopback without control_token is warned about.
	Sensitive bool
	// Serve answers a request for a location that enables the route,
	// once its token is checked; r.URL.Path is the whole path.
	Serve func(w http.ResponseWriter, r *http.Request, at Location)
	// MaxBody bounds the request body; a handler reading more gets an
	// error. Default: DefaultMaxBody.
	MaxBody int64
	// OwnAuth marks a route that checks control_token itself, given in
	// Location.ControlToken: the recordings API answers in JSON and also
	// takes signed URLs and a session cookie. Default: the router checks
	// the bearer token before Serve.
	OwnAuth bool
}

// Options configures a Router.
type Options struct {
	// Routes in precedence order: a location that enables several is
	// served by the first.
	Routes []Route
	Logger *slog.Logger
}

// Router serves the http blocks of the configuration with its routes.
type Router struct {
	routes []Route
	log    *slog.Logger

	mu      sync.Mutex
	closed  bool
	sites   map[*listen.Binding]*site
	serving sync.WaitGroup // one per site until its http.Server is shut down
	own     *listen.Set    // the sockets of Apply (standalone use)
}

// New returns a Router that serves nothing until its bindings are served.
func New(opts Options) *Router {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Router{routes: opts.Routes, log: opts.Logger, sites: map[*listen.Binding]*site{}}
}

// Handler returns the handler that serves http block hs, without a
// listener (for embedding and tests); its locations see no Config.
func (rt *Router) Handler(hs *conf.HTTPServer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.serve(w, r, hs, nil)
	})
}

// serve routes one request of block hs.
func (rt *Router) serve(w http.ResponseWriter, r *http.Request, hs *conf.HTTPServer, cfg *conf.Config) {
	defer rt.recoverPanic(w, r)
	loc := match(hs.Locations, r.URL.Path)
	matched := loc != nil
	if !matched {
		loc = serverLocation(hs)
	}
	route := rt.route(loc)
	if (route == nil || !route.OwnAuth) && !authorized(w, r, loc.ControlToken) {
		return
	}
	switch {
	case route == nil && !matched:
		Fail(w, http.StatusNotFound, "no location for "+r.URL.Path)
		return
	case route == nil:
		Fail(w, http.StatusNotFound, "location "+loc.Path+" serves nothing")
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		limit := route.MaxBody
		if limit <= 0 {
			limit = DefaultMaxBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	route.Serve(w, r, Location{Location: loc, Config: cfg})
}

// route returns the first route loc enables, or nil.
func (rt *Router) route(loc *conf.Location) *Route {
	for i := range rt.routes {
		if rt.routes[i].Serves(loc) {
			return &rt.routes[i]
		}
	}
	return nil
}

// serverLocation is what serves a path that no location of hs matches:
// the server block's own settings, as nginx applies them (a server-level
// root serves files; the server's control_token protects it).
func serverLocation(hs *conf.HTTPServer) *conf.Location {
	return &conf.Location{Root: hs.Root, ControlToken: hs.ControlToken}
}

// match returns the location with the longest path prefix of p, or nil.
func match(locs []*conf.Location, p string) *conf.Location {
	var best *conf.Location
	for _, l := range locs {
		if strings.HasPrefix(p, l.Path) && (best == nil || len(l.Path) > len(best.Path)) {
			best = l
		}
	}
	return best
}

// recoverPanic turns a bug in a handler into a 500 and one log record,
// rather than net/http's connection reset.
func (rt *Router) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil || v == http.ErrAbortHandler {
		if v != nil {
			panic(v)
		}
		return
	}
	rt.log.Error("http handler panicked", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	Fail(w, http.StatusInternalServerError, "internal error")
}
