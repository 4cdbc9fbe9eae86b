package metrics

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, labels, nil)
}

var (
	descConnections = desc("connections", "Open RTMP connections, including those that have not sent connect yet.")
	descWire        = desc("rtmp_received_bytes_total", "Bytes read from RTMP connections (handshake and chunk stream), the closed ones included.")
	descSessions    = desc("sessions", "RTMP sessions connected to an application.", "app")
	descPublishers  = desc("publishers", "Sessions publishing a stream.", "app")
	descBytes       = desc("received_bytes_total", "Payload bytes of audio, video and data messages received from publishers.", "app")
	descPublishes   = desc("publishes_total", "Publishes that every module allowed.", "app")

	descStreamBytes = desc("stream_received_bytes_total", "Payload bytes received by a running publish (metrics_per_stream on).", "app", "name")
	descStreamMsgs  = desc("stream_messages_total", "Audio or video messages received by a running publish (metrics_per_stream on).", "app", "name", "type")
	descStreamStart = desc("stream_start_timestamp_seconds", "When a running publish started, as a Unix time (metrics_per_stream on).", "app", "name")

	descFree = desc("record_path_free_bytes", "Bytes available to rtmprecd on the filesystem of a record_path, read at scrape time.", "path")
)

// appCollector reports sessions and publishers by application, counted
// from the session registry at scrape time, and the applications' counters.
type appCollector struct{ e *Exporter }

func (c appCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConnections, descWire, descSessions, descPublishers, descBytes, descPublishes} {
		ch <- d
	}
}

func (c appCollector) Collect(ch chan<- prometheus.Metric) {
	if c.e.opts.Registry != nil {
		c.collectSessions(ch, c.e.opts.Registry)
	}
	for app, a := range c.e.live.appTotals() {
		ch <- prometheus.MustNewConstMetric(descBytes, prometheus.CounterValue, float64(a.bytes), app)
		ch <- prometheus.MustNewConstMetric(descPublishes, prometheus.CounterValue, float64(a.publishes), app)
	}
}

// collectSessions counts reg's sessions and publishers by application.
func (c appCollector) collectSessions(ch chan<- prometheus.Metric, reg Registry) {
	if bc, ok := reg.(byteCounter); ok {
		ch <- prometheus.MustNewConstMetric(descWire, prometheus.CounterValue, float64(bc.BytesIn()))
	}
	sessions, publishers := map[string]int{}, map[string]int{}
	all := reg.Sessions()
	for _, s := range all {
		app := s.App()
		if app == nil {
			continue
		}
		sessions[app.Name]++
		if s.Publish() != nil {
			publishers[app.Name]++
		}
	}
	ch <- prometheus.MustNewConstMetric(descConnections, prometheus.GaugeValue, float64(len(all)))
	// Every application with a session gets both gauges, so that a
	// dashboard sees publishers drop to 0 rather than disappear.
	for app, n := range sessions {
		ch <- prometheus.MustNewConstMetric(descSessions, prometheus.GaugeValue, float64(n), app)
		ch <- prometheus.MustNewConstMetric(descPublishers, prometheus.GaugeValue, float64(publishers[app]), app)
	}
}

// streamCollector reports the running publishes, for metrics_per_stream.
type streamCollector struct{ l *live }

func (c streamCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descStreamBytes
	ch <- descStreamMsgs
	ch <- descStreamStart
}

func (c streamCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.l.streamSnapshot() {
		ch <- prometheus.MustNewConstMetric(descStreamBytes, prometheus.CounterValue, float64(st.bytes()), st.app, st.name)
		ch <- prometheus.MustNewConstMetric(descStreamMsgs, prometheus.CounterValue, float64(st.hub.AudioFrames()), st.app, st.name, "audio")
		ch <- prometheus.MustNewConstMetric(descStreamMsgs, prometheus.CounterValue, float64(st.hub.VideoFrames()), st.app, st.name, "video")
		ch <- prometheus.MustNewConstMetric(descStreamStart, prometheus.GaugeValue, float64(st.start.UnixNano())/1e9, st.app, st.name)
	}
}

// diskCollector reports the free space of every record_path of the
// running configuration, read with statfs when scraped: the number an
// alert on a filling disk needs, without a poller.
type diskCollector struct{ e *Exporter }

func (c diskCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descFree }

func (c diskCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.e.recordPaths() {
		free, err := c.e.opts.Statfs(p)
		if err != nil {
			// A record_path that does not exist yet is created at the
			// first open; until then there is nothing to measure, and an
			// error here would fail every scrape.
			continue
		}
		ch <- prometheus.MustNewConstMetric(descFree, prometheus.GaugeValue, float64(free), p)
	}
}

// recordPaths lists the distinct record_path of the running
// configuration's recorders, sorted.
func (e *Exporter) recordPaths() []string {
	cfg := e.cfg.Load()
	if cfg == nil {
		return nil
	}
	var out []string
	for _, srv := range cfg.Servers {
		for _, app := range srv.Applications {
			for _, r := range app.Recorders {
				if p := r.RootDir(); p != "" && !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// statfs returns the bytes available to unprivileged users (f_bavail),
// which is what a non-root daemon can still write.
func statfs(path string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}
