package httpd

import (
	"log"
	"log/slog"
	"net"

	"github.com/rtmprecd/rtmprecd/conf"
)

// warnExposed warns about every location of hs that serves a sensitive
// route without control_token when addr is not a loopback address:
// anyone on the network could drop publishers, read stream names and
// client addresses, or whatever the route gives.
func (rt *Router) warnExposed(addr net.Addr, hs *conf.HTTPServer) {
	for _, e := range rt.exposed(addr, hs) {
		rt.log.Warn("a location that can change or reveal something is reachable beyond loopback without control_token",
			"addr", addr.String(), "location", e.loc, "serves", e.directive, "at", hs.Pos.FileLine())
	}
}

// exposure is one location served beyond loopback without a token.
type exposure struct{ loc, directive string }

// exposed lists hs's locations whose route is sensitive and that have no
// token, when addr is not a loopback address (a bare port binds every
// interface).
func (rt *Router) exposed(addr net.Addr, hs *conf.HTTPServer) []exposure {
	if ta, ok := addr.(*net.TCPAddr); !ok || ta.IP.IsLoopback() {
		return nil
	}
	var out []exposure
	for _, loc := range hs.Locations {
		if route := rt.route(loc); route != nil && route.Sensitive && loc.ControlToken == "" {
			out = append(out, exposure{loc.Path, route.Directive})
		}
	}
	return out
}

// slogLogger is net/http's error log, at Warn in the router's log.
func slogLogger(rt *Router) *log.Logger {
	return slog.NewLogLogger(rt.log.Handler(), slog.LevelWarn)
}
