package main

import (
	"log/slog"

	"github.com/rtmprecd/rtmprecd/access"
	"github.com/rtmprecd/rtmprecd/accesslog"
	"github.com/rtmprecd/rtmprecd/control"
	"github.com/rtmprecd/rtmprecd/metrics"
	"github.com/rtmprecd/rtmprecd/notify"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// moduleSet is the daemon's modules: the ordered list the RTMP server runs,
// and the instances other parts of the daemon call into.
type moduleSet struct {
	// list runs OnConnect and OnPublish in this order, OnClose in reverse:
	// the access log first, to log the name the client asked for (as
	// nginx-rtmp's log module, which runs before notify); notify decides
	// next (on_publish may deny or rename before any file exists), access
	// next, then the recorders, so a rejected publisher never touches a
	// file and every file is closed, with its record_done queued, before
	// notify sends publish_done; metrics last, so it reports only
	// publishes every other module allowed, under their final names. The
	// control module has no per-session hook (it reads each publish's
	// stream hub, and drop waits for the hub's end), so its place does not
	// matter.
	list    []rtmp.Module
	access  *accesslog.Module
	notify  *notify.Module
	record  *record.Module
	meter   *control.Module   // the control API's view of each publish's stream hub
	metrics *metrics.Exporter // /metrics
}

// newModules builds the module set and wires the events between modules:
// record-done events feed notify's on_record_done and exec_record_done
// and the metrics; record and notify report to the metrics as observers.
// reg is the RTMP server's session registry, read by the metrics at scrape
// time. The configuration reaches the access log, notify and the metrics as
// services.
func newModules(log *slog.Logger, reg metrics.Registry) *moduleSet {
	al := &accesslog.Module{Logger: log}
	n := &notify.Module{Logger: log}
	rec := &record.Module{Logger: log}
	meter := &control.Module{}
	met := metrics.New(metrics.Options{Registry: reg, Version: version})
	rec.Events(n.RecordDone)
	rec.Events(met.RecordEvent)
	n.Observer = met
	rec.Observer = met
	return &moduleSet{
		list:    []rtmp.Module{al, n, access.Module{}, meter, rec, met.Module()},
		access:  al,
		notify:  n,
		record:  rec,
		meter:   meter,
		metrics: met,
	}
}
