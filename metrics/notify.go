package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtmprecd/rtmprecd/notify"
)

var _ notify.Observer = (*Exporter)(nil)

// notifyMetrics are the notify module's metrics.
type notifyMetrics struct {
	calls   *prometheus.CounterVec   // by event and result
	latency *prometheus.HistogramVec // by event
	exec    *prometheus.CounterVec   // by result
}

func (n *notifyMetrics) register(reg *prometheus.Registry) {
	n.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "notify_calls_total",
		Help: "on_* HTTP callback attempts by event (connect, publish, publish_done, done, record_done, update) and result (2xx, 3xx, 4xx, 5xx, error: no answer).",
	}, []string{"event", "result"})
	n.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "notify_call_duration_seconds",
		Help:    "Time of one on_* HTTP callback attempt, answered or not, by event.",
		Buckets: prometheus.ExponentialBuckets(0.001, 3, 10), // 1 ms to ~20 s
	}, []string{"event"})
	n.exec = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "exec_runs_total",
		Help: "exec_* commands by result (ok, failed: non-zero exit or signal, timeout: killed after exec_timeout, not_started, dropped: exec_max_children running and the queue full).",
	}, []string{"result"})
	reg.MustRegister(n.calls, n.latency, n.exec)
}

// NotifyCall counts one callback attempt for event (the call= value) with
// its result and duration. Part of notify.Observer.
func (e *Exporter) NotifyCall(event, result string, d time.Duration) {
	e.notify.calls.WithLabelValues(event, result).Inc()
	e.notify.latency.WithLabelValues(event).Observe(d.Seconds())
}

// ExecRun counts one exec_* command by how it ended. Part of
// notify.Observer.
func (e *Exporter) ExecRun(result string) { e.notify.exec.WithLabelValues(result).Inc() }
