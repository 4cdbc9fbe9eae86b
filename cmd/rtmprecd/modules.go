package main

import (
	"log/slog"

	"github.com/rtmprecd/rtmprecd/access"
	"github.com/rtmprecd/rtmprecd/control"
	"github.com/rtmprecd/rtmprecd/notify"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// moduleSet is the daemon's modules: the ordered list the RTMP server runs,
// and the instances other parts of the daemon call into.
type moduleSet struct {
	// list runs OnConnect and OnPublish in this order, OnClose in reverse:
	// notify decides first (on_publish may deny or rename before any file
	// exists), access next, recorders last, so a rejected publisher never
	// touches a file and every file is closed, with its record_done queued,
	// before notify sends publish_done.
	list   []rtmp.Module
	notify *notify.Module
	record *record.Module
	meter  *control.Module // the control API's per-publish meter
}

// newModules builds the module set and connects record-done events to
// notify's on_record_done and exec_record_done.
func newModules(log *slog.Logger) *moduleSet {
	n := &notify.Module{Logger: log}
	rec := &record.Module{Logger: log}
	rec.Events(n.RecordDone)
	meter := &control.Module{}
	return &moduleSet{
		// meter right before the recorders: it meters only allowed
		// publishes, and its OnClose (which drop waits for) runs right
		// after the recorders finished their files.
		list:   []rtmp.Module{n, access.Module{}, meter, rec},
		meter:  meter,
		notify: n,
		record: rec,
	}
}
