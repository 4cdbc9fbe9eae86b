package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtmprecd/rtmprecd/record"
)

var _ record.Observer = (*Exporter)(nil)

// Failure stages of rtmprecd_record_failures_total's reason label.
const (
	failOpen  = "open"  // the file could not be created or opened
	failWrite = "write" // a write failed: the file closed with reason "error"
	failClose = "close" // closing (header fix, fsync, close) failed
)

// recordMetrics are the record module's metrics. Histograms and counters
// without labels are resolved once, so observing is lock-free atomics.
type recordMetrics struct {
	files    *prometheus.CounterVec // closed files by app and close reason
	failures *prometheus.CounterVec // by app and failure stage
	open     *prometheus.GaugeVec   // open files by app
	bytes    prometheus.Counter
	write    prometheus.Histogram
	flush    prometheus.Histogram
	fsync    prometheus.Histogram
}

func (r *recordMetrics) register(reg *prometheus.Registry) {
	r.files = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "record_files_total",
		Help: "Recorded files closed, by application and reason (split, stop, error, unpublish, disconnect, drop, idle, shutdown).",
	}, []string{"app", "reason"})
	r.failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "record_failures_total",
		Help: "Recording failures by application and stage (open, write, close); the publisher is never dropped for one.",
	}, []string{"app", "reason"})
	r.open = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "recordings_open",
		Help: "Files being recorded, by application.",
	}, []string{"app"})
	r.bytes = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "record_written_bytes_total",
		Help: "Bytes written to recorded files.",
	})
	r.write = histogram("record_write_seconds", "Time of one write of buffered tags to a recorded file.", 25e-6)
	r.flush = histogram("record_flush_seconds", "Time of one write-out of a recorded file's buffered tags, fdatasync included with record_fsync on.", 25e-6)
	r.fsync = histogram("record_fsync_seconds", "Time of one fdatasync of a recorded file (record_fsync on).", 50e-6)
	reg.MustRegister(r.files, r.failures, r.open, r.bytes, r.write, r.flush, r.fsync)
}

// histogram has 12 exponential buckets from start (x4 each): 25 µs to
// ~100 s covers a page-cache write as well as a stalled disk.
func histogram(name, help string, start float64) prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Name: name, Help: help,
		Buckets: prometheus.ExponentialBuckets(start, 4, 12),
	})
}

// RecordEvent counts one closed file. Subscribe it to the record module
// (rec.Events(ex.RecordEvent)); it never blocks.
func (e *Exporter) RecordEvent(ev record.Event) {
	r := &e.rec
	r.files.WithLabelValues(ev.App, string(ev.Reason)).Inc()
	switch {
	case ev.Reason == record.ReasonError:
		r.failures.WithLabelValues(ev.App, failWrite).Inc()
	case ev.Err != nil:
		r.failures.WithLabelValues(ev.App, failClose).Inc()
	}
	r.open.WithLabelValues(ev.App).Dec()
}

// FileOpened counts a file opened for app; its RecordEvent follows when
// it closes. Part of record.Observer.
func (e *Exporter) FileOpened(app string) { e.rec.open.WithLabelValues(app).Inc() }

// FileRemoved counts a file closed without media and removed, which gets
// no RecordEvent; failed says a write or close error ended it. Part of
// record.Observer.
func (e *Exporter) FileRemoved(app string, failed bool) {
	if failed {
		e.rec.failures.WithLabelValues(app, failWrite).Inc()
	}
	e.rec.open.WithLabelValues(app).Dec()
}

// OpenFailed counts a file that could not be opened. Part of
// record.Observer.
func (e *Exporter) OpenFailed(app string, _ error) {
	e.rec.failures.WithLabelValues(app, failOpen).Inc()
}

// Wrote counts one write of n bytes that took d. Part of record.Observer.
func (e *Exporter) Wrote(n int, d time.Duration) {
	e.rec.bytes.Add(float64(n))
	e.rec.write.Observe(d.Seconds())
}

// Flushed times one write-out of a file's buffer. Part of
// record.Observer.
func (e *Exporter) Flushed(d time.Duration) { e.rec.flush.Observe(d.Seconds()) }

// Synced times one fdatasync. Part of record.Observer.
func (e *Exporter) Synced(d time.Duration) { e.rec.fsync.Observe(d.Seconds()) }
