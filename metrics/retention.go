package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtmprecd/rtmprecd/retention"
)

var (
	descRemovedFiles = desc("retention_removed_files_total", "Recordings removed by retention, by rule.", "rule")
	descRemovedBytes = desc("retention_removed_bytes_total", "Bytes of the recordings removed by retention, by rule.", "rule")
	descMissing      = desc("retention_missing_total", "Rows retention found without their file (marked missing).")
	descDiskFree     = desc("disk_free_bytes", "Bytes available on the filesystem of the recording roots.", "roots")
	descDiskUsed     = desc("disk_used_bytes", "Bytes used on the filesystem of the recording roots.", "roots")
	descDiskFloor    = desc("disk_min_free_bytes", "record_min_free in effect on the filesystem; 0: none.", "roots")
	descOldest       = desc("disk_oldest_recording_timestamp_seconds", "Start of the oldest recording on the filesystem (Unix seconds); 0: none.", "roots")
	descToFull       = desc("disk_seconds_to_full", "Time until the filesystem is full at the current write rate; -1: not filling.", "roots")
)

// retentionCollector reads the cleaner's status at scrape time.
type retentionCollector struct{ status func() retention.Status }

func (c retentionCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRemovedFiles, descRemovedBytes, descMissing, descDiskFree, descDiskUsed, descDiskFloor, descOldest, descToFull} {
		ch <- d
	}
}

func (c retentionCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.status()
	for _, rule := range retention.Rules {
		n := st.Removed[rule]
		ch <- prometheus.MustNewConstMetric(descRemovedFiles, prometheus.CounterValue, float64(n.Files), rule)
		ch <- prometheus.MustNewConstMetric(descRemovedBytes, prometheus.CounterValue, float64(n.Bytes), rule)
	}
	ch <- prometheus.MustNewConstMetric(descMissing, prometheus.CounterValue, float64(st.Missing))
	for _, d := range st.Disks {
		roots := strings.Join(d.Roots, ",")
		var oldest float64
		if !d.Oldest.IsZero() {
			oldest = float64(d.Oldest.Unix())
		}
		ch <- prometheus.MustNewConstMetric(descDiskFree, prometheus.GaugeValue, float64(d.Free), roots)
		ch <- prometheus.MustNewConstMetric(descDiskUsed, prometheus.GaugeValue, float64(d.Used), roots)
		ch <- prometheus.MustNewConstMetric(descDiskFloor, prometheus.GaugeValue, float64(d.Floor), roots)
		ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, oldest, roots)
		ch <- prometheus.MustNewConstMetric(descToFull, prometheus.GaugeValue, d.TimeToFull, roots)
	}
}

// Retention registers retention's counters and the disk gauges, read at
// scrape time from status. Call it once, when the index opens.
func (e *Exporter) Retention(status func() retention.Status) {
	e.reg.MustRegister(retentionCollector{status})
}
