package main

import (
	"log/slog"
	"net/http"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/console"
	"github.com/rtmprecd/rtmprecd/control"
	"github.com/rtmprecd/rtmprecd/httpd"
)

// controlReloader adapts the daemon to control.Reloader: the control API's
// POST /control/reload goes through the same funnel as SIGHUP.
type controlReloader struct{ d *Daemon }

// Reload runs the daemon's reload and waits for its outcome.
func (r controlReloader) Reload() error { return r.d.Reload() }

// ConfigStatus converts the daemon's ReloadStatus.
func (r controlReloader) ConfigStatus() control.ConfigStatus {
	st := r.d.Status()
	return control.ConfigStatus{
		Generation: st.Generation, Hash: st.Hash, File: st.File, LoadedAt: st.LoadedAt,
		LastReloadAt: st.LastReloadAt, LastResult: st.LastResult,
		LastError: st.LastError, LastErrorAt: st.LastErrorAt,
	}
}

// newControl builds the control API and /stat of d; they serve as routes
// of d's router.
func newControl(d *Daemon, log *slog.Logger) *control.Server {
	return control.New(control.Options{
		Registry: d.srv.Registry(),
		Recorder: d.mods.record,
		Reloader: controlReloader{d},
		Meter:    d.mods.meter,
		Version:  version,
		Logger:   log,
	})
}

// routes is what the http {} locations serve, one route per location
// directive, in precedence order for a location that enables several:
// record_api, record_console, rtmp_control, rtmp_stat, rtmp_metrics, then
// files (root, alias). A feature that serves a new location directive adds its route
// here.
func (d *Daemon) routes() []httpd.Route {
	routes := []httpd.Route{d.recordAPIRoute(), console.Route(version)}
	routes = append(routes, d.api.Routes()...)
	return append(routes, d.met.Route(), httpd.Files(d.log))
}

// recordAPIRoute serves record_api locations with the recordings API. The
// API checks control_token itself: it answers in JSON, and its file routes
// also take signed URLs and a session cookie. Without an index opened at
// start it answers 503.
func (d *Daemon) recordAPIRoute() httpd.Route {
	return httpd.Route{
		Directive: "record_api",
		Sensitive: true,
		OwnAuth:   true,
		Serves:    func(loc *conf.Location) bool { return loc.RecordAPI },
		Serve: func(w http.ResponseWriter, r *http.Request, at httpd.Location) {
			x := d.idx.current()
			if x == nil {
				http.Error(w, `{"code":503,"message":"record_index was not set when rtmprecd started: restart it to open the index"}`, http.StatusServiceUnavailable)
				return
			}
			x.handler(at.Location).ServeHTTP(w, r)
		},
	}
}
