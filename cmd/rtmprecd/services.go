package main

import (
	"context"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/service"
)

// services lists the daemon's background services in the order they are
// prepared and committed at start and on each applied reload; they stop
// in reverse order once every RTMP session ended:
//   - the pid file first, so that a daemon that cannot take its new pid
//     file changes nothing else, and it goes last at exit, once the rest
//     has stopped (as nginx removes its pid file last);
//   - error_log next: its new file opens before anything else can fail;
//   - the access logs: their new files open before the swap; they close
//     once the last session wrote its line;
//   - the recordings index: opened and reconciled at start before any
//     listener is bound, closed once the last file's row is queued and
//     after the last callbacks were waited for;
//   - the metrics' view of the configuration (record paths measured);
//   - notify: exec_max_children; its Stop waits for the callbacks and
//     exec_* commands the last sessions queued;
//   - the recorders' flush ticker, stopped for good.
func (d *Daemon) services() service.List {
	return service.List{d.pid, d.out, d.mods.access, d.idx, d.mods.metrics, d.mods.notify, d.mods.record.Flusher()}
}

// pidService is the pid file as a service: a reload that names another
// file takes it before the swap and drops the old one after it, as nginx
// does; Stop removes the last one.
type pidService struct{ cur *pidFile }

func (p *pidService) Name() string { return "pid" }

// Prepare takes cfg's pid file when it names another one; on Abort it is
// removed again.
func (p *pidService) Prepare(cfg *conf.Config) (service.Change, error) {
	if cfg.Pid == p.cur.name() {
		return service.None, nil
	}
	var pf *pidFile
	if cfg.Pid != "" {
		var err error
		if pf, err = createPidFile(cfg.Pid); err != nil {
			return nil, err
		}
	}
	return service.Funcs{
		OnCommit: func() { p.cur.remove(); p.cur = pf },
		OnAbort:  func() { pf.remove() },
	}, nil
}

// Stop removes the pid file.
func (p *pidService) Stop(context.Context) error {
	p.cur.remove()
	return nil
}

// Name returns "error_log".
func (o *logOutput) Name() string { return "error_log" }

// Prepare opens cfg's error_log before the swap, so that a log that cannot
// be opened aborts the reload; Commit switches the output and the level.
func (o *logOutput) Prepare(cfg *conf.Config) (service.Change, error) {
	finish, err := o.prepare(cfg)
	if err != nil {
		return nil, err
	}
	return service.Funcs{OnCommit: func() { finish(true) }, OnAbort: func() { finish(false) }}, nil
}

// Stop does nothing: the daemon's last records still go to error_log,
// which runDaemon closes once the daemon returned.
func (o *logOutput) Stop(context.Context) error { return nil }
