package metrics

import "github.com/prometheus/client_golang/prometheus"

// IndexStats are the recordings index writer's counters.
type IndexStats struct{ Applied, Dropped, Failed uint64 }

// Index registers the recordings index writer's counters, read at scrape
// time from stats: rows written, file events dropped because the writer's
// queue was full (a slow or broken database), and events lost in a failed
// transaction. Call it once, when the index opens.
func (e *Exporter) Index(stats func() IndexStats) {
	counter := func(name, help string, v func(IndexStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: namespace, Subsystem: "index", Name: name, Help: help},
			func() float64 { return float64(v(stats())) })
	}
	e.reg.MustRegister(
		counter("changes_written_total", "File events written to the recordings index.", func(s IndexStats) uint64 { return s.Applied }),
		counter("changes_dropped_total", "File events dropped because the index writer's queue was full; reconciliation repairs the rows.", func(s IndexStats) uint64 { return s.Dropped }),
		counter("changes_failed_total", "File events lost in a failed index transaction.", func(s IndexStats) uint64 { return s.Failed }),
	)
}
