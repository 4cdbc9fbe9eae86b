package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// reloadMetrics are the configuration's metrics, as Prometheus exports
// its own (config_last_reload_successful and friends).
type reloadMetrics struct {
	reloads     *prometheus.CounterVec // by result
	generation  prometheus.Gauge
	lastSuccess prometheus.Gauge
	successful  prometheus.Gauge
}

func (r *reloadMetrics) register(reg *prometheus.Registry) {
	r.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "config_reloads_total",
		Help: "Configuration reloads (SIGHUP, POST /control/reload, config_watch) by result: applied, unchanged or failed.",
	}, []string{"result"})
	r.generation = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "config_generation",
		Help: "Generation of the running configuration: 1 at start, +1 for every applied reload.",
	})
	r.lastSuccess = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "config_last_reload_success_timestamp_seconds",
		Help: "When the configuration was last loaded successfully (start, or a reload applied or unchanged), as a Unix time.",
	})
	r.successful = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "config_last_reload_successful",
		Help: "1 when the last reload attempt succeeded (or none was made), 0 when it failed and an older configuration runs.",
	})
	// Every result exists from the start, so that increase() sees the
	// first failure.
	for _, res := range []string{"applied", "unchanged", "failed"} {
		r.reloads.WithLabelValues(res)
	}
	reg.MustRegister(r.reloads, r.generation, r.lastSuccess, r.successful)
}

// ConfigLoaded records the configuration the daemon started with.
func (e *Exporter) ConfigLoaded(generation int, at time.Time) {
	e.reload.generation.Set(float64(generation))
	e.reload.lastSuccess.Set(float64(at.UnixNano()) / 1e9)
	e.reload.successful.Set(1)
}

// ReloadDone records one reload's result ("applied", "unchanged" or
// "failed"), the generation now running and when the reload finished.
func (e *Exporter) ReloadDone(result string, generation int, at time.Time) {
	e.reload.reloads.WithLabelValues(result).Inc()
	e.reload.generation.Set(float64(generation))
	if result == "failed" {
		e.reload.successful.Set(0)
		return
	}
	e.reload.lastSuccess.Set(float64(at.UnixNano()) / 1e9)
	e.reload.successful.Set(1)
}
