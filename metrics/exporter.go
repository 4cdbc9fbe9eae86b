package metrics

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// namespace prefixes every metric name.
const namespace = "rtmprecd"

// Options configures an Exporter.
type Options struct {
	// Registry is the RTMP server's session registry (rtmp.Options'
	// Registry, which may be made before the server): sessions and
	// publishers by application are counted from it at scrape time.
	// Nil: those gauges are absent.
	Registry Registry
	// Statfs returns the bytes available to unprivileged users on the
	// filesystem holding path. Default: statfs(2).
	Statfs func(path string) (uint64, error)
	// Version is reported by rtmprecd_build_info.
	Version string
}

// Registry lists the open RTMP connections; *rtmp.Registry implements
// it. A Registry that also has BytesIn() uint64 (bytes received by every
// connection since start, never decreasing) adds
// rtmprecd_rtmp_received_bytes_total; one with Stats, PartialBytes and
// MaxConnections (as *rtmp.Registry) adds the rtmprecd_rtmp_* series of
// handshakes, shed connections, rebases and limits.
type Registry interface {
	Sessions() []*rtmp.Session
}

// byteCounter is the optional BytesIn of a Registry.
type byteCounter interface {
	BytesIn() uint64
}

// Exporter owns the registry and every metric. Its methods are safe for
// concurrent use.
type Exporter struct {
	opts   Options
	reg    *prometheus.Registry // everything but per-stream series
	stream *prometheus.Registry // per-stream series, for metrics_per_stream on
	live   *live
	serve  [2]http.Handler // without and with the per-stream series

	rec    recordMetrics
	notify notifyMetrics
	reload reloadMetrics

	// cfg is the committed configuration (see Prepare): the record_path
	// of each of its recorders gets a free-space gauge; nil: none.
	cfg atomic.Pointer[conf.Config]
}

// New builds an Exporter and registers every metric in its registries.
func New(opts Options) *Exporter {
	if opts.Statfs == nil {
		opts.Statfs = statfs
	}
	e := &Exporter{
		opts:   opts,
		reg:    prometheus.NewRegistry(),
		stream: prometheus.NewRegistry(),
		live:   newLive(),
	}
	e.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "build_info",
			Help:        "Always 1; the version label says which rtmprecd runs.",
			ConstLabels: prometheus.Labels{"version": opts.Version},
		}, func() float64 { return 1 }),
		appCollector{e},
		serverCollector{e},
		diskCollector{e},
	)
	e.rec.register(e.reg)
	e.notify.register(e.reg)
	e.reload.register(e.reg)
	e.stream.MustRegister(streamCollector{e.live})
	for i, g := range []prometheus.Gatherer{e.reg, prometheus.Gatherers{e.reg, e.stream}} {
		e.serve[i] = promhttp.HandlerFor(g, promhttp.HandlerOpts{
			ErrorHandling: promhttp.ContinueOnError,
			Timeout:       10 * time.Second,
		})
	}
	return e
}

// Handler serves the metrics in Prometheus text format (or OpenMetrics
// when asked). perStream adds the per-stream series (metrics_per_stream
// on). A collector that fails does not fail the scrape: the rest is still
// served (promhttp.ContinueOnError).
func (e *Exporter) Handler(perStream bool) http.Handler {
	if perStream {
		return e.serve[1]
	}
	return e.serve[0]
}
