package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtmprecd/rtmprecd/rtmp"
)

// serverStats is what a Registry that also protects the server reports
// (*rtmp.Registry does): its counters, the bytes held by unfinished
// messages and the connection limit.
type serverStats interface {
	Stats() rtmp.Stats
	PartialBytes() int64
	MaxConnections() int
}

var (
	descHandshakes = desc("rtmp_handshakes_incomplete_total",
		"Connections that ended before completing the RTMP handshake: closed by the client (TCP health checks, scanners), timed out, or invalid bytes.", "how")
	descShed = desc("rtmp_connections_shed_total",
		"Connections closed to protect the server: idle_at_limit (closed to make room under max_connections), refused_at_limit (new connection refused), partial_messages (held the most unfinished-message bytes over the cap), timestamp_jumps (a publisher whose timestamps kept jumping).", "reason")
	descRebases = desc("rtmp_timestamp_rebases_total", "Timestamp jumps that rebased a publish's timeline.")
	descPartial = desc("rtmp_partial_message_bytes", "Bytes held by unfinished RTMP messages, all connections together.")
	descLimit   = desc("rtmp_max_connections", "The connection limit in force (max_connections, or its auto value from RLIMIT_NOFILE).")
)

// serverCollector reports serverStats at scrape time.
type serverCollector struct{ e *Exporter }

func (c serverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHandshakes, descShed, descRebases, descPartial, descLimit} {
		ch <- d
	}
}

func (c serverCollector) Collect(ch chan<- prometheus.Metric) {
	if c.e.opts.Registry == nil {
		return
	}
	ss, ok := c.e.opts.Registry.(serverStats)
	if !ok {
		return
	}
	st := ss.Stats()
	counter := func(d *prometheus.Desc, v uint64, label ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), label...)
	}
	counter(descHandshakes, st.HandshakesIncomplete.Closed, "closed")
	counter(descHandshakes, st.HandshakesIncomplete.Timeout, "timeout")
	counter(descHandshakes, st.HandshakesIncomplete.Invalid, "invalid")
	counter(descShed, st.Shed.IdleAtLimit, "idle_at_limit")
	counter(descShed, st.Shed.RefusedAtLimit, "refused_at_limit")
	counter(descShed, st.Shed.PartialMessages, "partial_messages")
	counter(descShed, st.Shed.TimestampJumps, "timestamp_jumps")
	counter(descRebases, st.TimestampRebases)
	ch <- prometheus.MustNewConstMetric(descPartial, prometheus.GaugeValue, float64(ss.PartialBytes()))
	ch <- prometheus.MustNewConstMetric(descLimit, prometheus.GaugeValue, float64(ss.MaxConnections()))
}
