package control

import (
	"net/http"

	"github.com/rtmprecd/rtmprecd/conf"
)

// Metrics serves Prometheus metrics; *metrics.Exporter implements it.
// perStream is the location's metrics_per_stream.
type Metrics interface {
	Handler(perStream bool) http.Handler
}

// metrics serves a location with rtmp_metrics on.
func (s *Server) metrics(loc *conf.Location, w http.ResponseWriter, r *http.Request) {
	if s.opts.Metrics == nil {
		fail(w, http.StatusNotImplemented, "rtmp_metrics: no metrics in this server")
		return
	}
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	s.opts.Metrics.Handler(loc.PerStream).ServeHTTP(w, r)
}
