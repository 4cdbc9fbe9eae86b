package metrics

import (
	"net/http"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/httpd"
)

// Route is the router entry of rtmp_metrics: the exporter's metrics, GET
// and HEAD only, with the per-stream series where the location says
// metrics_per_stream on. It is sensitive: the series name applications,
// streams and record paths.
func (e *Exporter) Route() httpd.Route {
	return httpd.Route{
		Directive: "rtmp_metrics",
		Sensitive: true,
		Serves:    func(loc *conf.Location) bool { return loc.Metrics },
		Serve: func(w http.ResponseWriter, r *http.Request, at httpd.Location) {
			if httpd.AllowMethods(w, r, http.MethodGet, http.MethodHead) {
				e.Handler(at.PerStream).ServeHTTP(w, r)
			}
		},
	}
}
