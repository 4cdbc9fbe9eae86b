package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/control"
	"github.com/rtmprecd/rtmprecd/metrics"
	"github.com/rtmprecd/rtmprecd/parser"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// Daemon is the running rtmprecd: the RTMP server, its listeners and the
// current configuration snapshot. Every configuration change, whatever
// asked for it (SIGHUP, Reload from the control API, the config watcher),
// runs on one goroutine (run), so reloads never interleave. Its exported
// methods are safe for concurrent use.
type Daemon struct {
	path string // the -c file, reloaded as given
	log  *slog.Logger
	out  *logOutput
	srv  *rtmp.Server
	api  *control.Server // the http {} blocks: control API and /stat
	mods *moduleSet
	cfg  atomic.Pointer[conf.Config]
	sd   *notifier                // systemd's NOTIFY_SOCKET; does nothing outside systemd
	met  *metrics.Exporter        // /metrics
	idx  atomic.Pointer[recIndex] // the recordings index; nil without record_index

	// owned by the run goroutine (and by start, before run)
	pid        *pidFile // nil without a pid directive
	lis        *listenerSet
	stages     []stage                     // more parts to prepare and commit with the RTMP listeners
	stops      []func(ctx context.Context) // more parts to stop at shutdown
	watch      *configWatcher              // nil unless config_watch is on
	watchDelay time.Duration

	reqs   chan reloadRequest
	watchc chan struct{} // debounced config changes, buffer 1
	done   chan struct{} // closed when run returned: no more reloads

	mu     sync.Mutex
	status ReloadStatus
}

// reloadRequest is one Reload call waiting for its outcome.
type reloadRequest struct {
	trigger string
	reply   chan error
}

// errStopping is Reload's answer once the daemon is shutting down.
var errStopping = errors.New("rtmprecd is stopping")

// newDaemon builds the daemon for cfg, logging to out. Nothing listens
// before start.
func newDaemon(cfg *conf.Config, out *logOutput) *Daemon {
	log := out.logger()
	d := &Daemon{
		path:       cfg.File,
		log:        log,
		out:        out,
		watchDelay: watchDelay,
		reqs:       make(chan reloadRequest),
		watchc:     make(chan struct{}, 1),
		done:       make(chan struct{}),
	}
	d.cfg.Store(cfg)
	d.sd = newNotifier(log)
	d.mods = newModules(log, func() metrics.Registry { return d.srv.Registry() }, d.cfg.Load)
	d.met = d.mods.metrics
	d.srv = rtmp.NewServer(rtmp.Options{
		Modules: d.mods.list,
		Logger:  log,
		Config:  d.cfg.Load,
	})
	d.lis = &listenerSet{log: log, srv: d.srv}
	d.addStage(d.mods.access.Prepare)
	d.api = d.setupControl(d.mods.meter)
	return d
}

// Config returns the current configuration snapshot.
func (d *Daemon) Config() *conf.Config { return d.cfg.Load() }

// Server returns the RTMP server, for the control API.
func (d *Daemon) Server() *rtmp.Server { return d.srv }

// Reload loads the configuration file again and applies it, as SIGHUP
// does, and returns once that is done. It returns nil when the new
// configuration runs or when nothing changed (Status tells which), and the
// reason when the file does not load or cannot be applied; the running
// configuration is then untouched.
func (d *Daemon) Reload() error {
	r := reloadRequest{trigger: "api", reply: make(chan error, 1)}
	select {
	case d.reqs <- r:
	case <-d.done:
		return errStopping
	}
	return <-r.reply
}

// Status returns the state of the running configuration and of the last
// reload.
func (d *Daemon) Status() ReloadStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// start binds every listener of the first configuration and runs the
// added stages (all or nothing), and starts serving. The pid file and
// error_log are already open.
func (d *Daemon) start() error {
	cfg := d.cfg.Load()
	if err := d.openIndex(cfg); err != nil {
		return err
	}
	finish, err := prepare(cfg, d.stages)
	if err != nil {
		return err
	}
	plan, err := d.lis.prepare(cfg)
	if err != nil {
		finish(false)
		return err
	}
	plan.commit()
	finish(true)
	d.setWatch(cfg, parser.Sources{})
	d.mu.Lock()
	d.status = ReloadStatus{Generation: 1, Hash: cfg.Hash, File: cfg.File, LoadedAt: time.Now()}
	d.met.ConfigLoaded(1, d.status.LoadedAt)
	d.mu.Unlock()
	return nil
}

// run is the reload goroutine: it serves reload requests, signals and
// watcher events until ctx ends or a stop signal arrives.
func (d *Daemon) run(ctx context.Context, sigs <-chan os.Signal) {
	defer close(d.done)
	for {
		select {
		case <-ctx.Done():
			d.log.Info("stopping", "reason", context.Cause(ctx).Error())
			return
		case sig := <-sigs:
			switch sig {
			case syscall.SIGHUP:
				d.reload("SIGHUP")
			case syscall.SIGUSR1:
				d.reopenLog()
			default:
				d.log.Info("stopping", "signal", sig.String())
				return
			}
		case r := <-d.reqs:
			r.reply <- d.reload(r.trigger)
		case <-d.watchc:
			d.reload("config_watch")
		}
	}
}

// reopenLog handles SIGUSR1: logrotate has moved error_log's file and the
// access logs.
func (d *Daemon) reopenLog() {
	if err := d.out.reopen(); err != nil {
		d.log.Error("cannot reopen error_log; still writing to the old file", "err", err)
	} else {
		d.log.Info("error_log reopened")
	}
	n, err := d.mods.access.Reopen()
	switch {
	case err != nil:
		d.log.Error("cannot reopen an access_log; still writing to the old file", "err", err)
	case n > 0:
		d.log.Info("access_log reopened", "files", n)
	}
}

// addStop adds a part to stop at shutdown, before the RTMP sessions end,
// within shutdown_timeout (the control API's HTTP server). Call it before
// serve.
func (d *Daemon) addStop(f func(ctx context.Context)) { d.stops = append(d.stops, f) }

// shutdown stops accepting, stops the added parts, ends every session
// within shutdown_timeout (their hooks' OnClose run) and stops the watcher.
func (d *Daemon) shutdown() {
	d.sd.stopping()
	if d.watch != nil {
		d.watch.close()
		d.watch = nil
	}
	d.lis.closeAll()
	timeout := d.cfg.Load().ShutdownTimeout
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for _, stop := range d.stops {
		stop(ctx)
	}
	if err := d.srv.Shutdown(ctx); err != nil {
		d.log.Warn("shutdown did not finish in time", "timeout", timeout, "err", err)
	}
	// The last sessions queued record_done, publish_done and done calls and
	// may have started exec_* children: give them what is left of the time.
	if err := d.mods.notify.Wait(ctx); err != nil {
		d.log.Warn("callbacks still pending at exit", "timeout", timeout, "err", err)
	}
	if x := d.index(); x != nil {
		x.close(ctx) // after the last file closed: its row is written
	}
	d.mods.access.Close() // every session has ended and written its line
	d.pid.remove()
	d.log.Info("stopped")
}

// index returns the recordings index, nil without record_index.
func (d *Daemon) index() *recIndex { return d.idx.Load() }

// openIndex opens record_index before anything records, so that
// reconciliation sees only what the last run left; a reload that changes
// record_index is logged and applied at the next start.
func (d *Daemon) openIndex(cfg *conf.Config) error {
	if cfg.RecordIndex == "" {
		return nil
	}
	x, err := openIndex(context.Background(), cfg, d.mods.record, d.cfg.Load, d.log)
	if err != nil {
		return err
	}
	d.idx.Store(x)
	d.met.Index(func() metrics.IndexStats {
		st := x.writer.Stats()
		return metrics.IndexStats{Applied: st.Applied, Dropped: st.Dropped, Failed: st.Failed}
	})
	d.addStage(func(next *conf.Config) (func(bool), error) {
		return func(commit bool) {
			if commit && next.RecordIndex != x.path {
				d.log.Warn("record_index changed: the index in use stays until the next start", "in_use", x.path, "configured", next.RecordIndex)
			}
		}, nil
	})
	return nil
}
