package main

import (
	"github.com/rtmprecd/rtmprecd/metrics"
)

// setupMetrics builds d's Prometheus exporter and plugs it in where the
// events happen: last in the module list (it counts only publishes every
// other module allowed, under their final names), as a subscriber of the
// record module's closed files, and as the record module's observer
// (opens, writes, flushes, fdatasyncs) and notify's (callbacks, exec
// runs). start and finish feed the configuration metrics. Call it from newDaemon, after the module set
// exists and before the RTMP server is built from its list.
func (d *Daemon) setupMetrics() *metrics.Exporter {
	ex := metrics.New(metrics.Options{
		Registry: func() metrics.Registry { return d.srv.Registry() },
		Config:   d.cfg.Load,
		Version:  version,
	})
	d.mods.list = append(d.mods.list, ex.Module())
	d.mods.record.Events(ex.RecordEvent)
	d.mods.notify.Observer = ex
	d.mods.record.Observer = ex
	return ex
}
