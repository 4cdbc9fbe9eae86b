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
	"github.com/rtmprecd/rtmprecd/httpd"
	"github.com/rtmprecd/rtmprecd/internal/listen"
	"github.com/rtmprecd/rtmprecd/metrics"
	"github.com/rtmprecd/rtmprecd/parser"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/service"
)

// Daemon is the running rtmprecd: the RTMP server, the HTTP router, their
// listeners, the background services and the current configuration
// snapshot. Every configuration change, whatever asked for it (SIGHUP,
// Reload from the control API, the config watcher), runs on one goroutine
// (run), so reloads never interleave. Its exported methods are safe for
// concurrent use.
type Daemon struct {
	path string // the -c file, reloaded as given
	log  *slog.Logger
	out  *logOutput
	srv  *rtmp.Server
	api  *control.Server // the control API and /stat, routes of web
	web  *httpd.Router   // the http {} blocks
	mods *moduleSet
	cfg  atomic.Pointer[conf.Config]
	sd   *notifier // systemd's NOTIFY_SOCKET; does nothing outside systemd
	met  *metrics.Exporter
	idx  *indexService // the recordings index (record_index)

	// owned by the run goroutine (and by start, before run)
	pid        *pidService
	svc        service.List   // see services
	lis        *listen.Set    // every listen directive, rtmp and http
	watch      *configWatcher // nil unless config_watch is on
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

// newDaemon builds the daemon for cfg, logging to out, holding pid (nil
// without a pid directive). Nothing listens before start.
func newDaemon(cfg *conf.Config, out *logOutput, pid *pidFile) *Daemon {
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
	reg := new(rtmp.Registry)
	d.mods = newModules(log, reg)
	d.met = d.mods.metrics
	d.srv = rtmp.NewServer(rtmp.Options{
		Modules:  d.mods.list,
		Logger:   log,
		Config:   d.cfg.Load,
		Registry: reg,
	})
	d.idx = &indexService{rec: d.mods.record, met: d.met, config: d.cfg.Load, log: log}
	d.api = newControl(d, log)
	d.web = httpd.New(httpd.Options{Routes: d.routes(), Logger: log})
	d.lis = listen.NewSet(log, map[string]listen.Server{
		listen.RTMP: newRTMPListeners(log, d.srv),
		listen.HTTP: d.web,
	})
	d.pid = &pidService{cur: pid}
	d.svc = d.services()
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

// start finishes what a crash left unfinished in the record paths, then
// prepares the services and binds every listener of the first
// configuration (all or nothing), and starts serving. The pid file and
// error_log are already open, so their services change nothing here.
func (d *Daemon) start() error {
	cfg := d.cfg.Load()
	repairRoots(cfg, d.log)        // before the index and the listeners read or write recordings
	record.CleanSpools(cfg, d.log) // before any publish: the pre-roll never outlives its stream
	if err := d.apply(cfg); err != nil {
		return err
	}
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

// shutdown stops the watcher and every listener, lets HTTP requests in
// flight finish (so that no control call races with the end of the
// sessions), ends every session (their hooks' OnClose run), then stops the
// services in reverse order: the callbacks and exec_* commands the last
// sessions queued get what is left of shutdown_timeout, and the pid file
// goes last.
func (d *Daemon) shutdown() {
	d.sd.stopping()
	if d.watch != nil {
		d.watch.close()
		d.watch = nil
	}
	d.lis.Close()
	timeout := d.cfg.Load().ShutdownTimeout
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := d.web.Shutdown(ctx); err != nil {
		d.log.Warn("http shutdown did not finish in time", "err", err)
	}
	if err := d.srv.Shutdown(ctx); err != nil {
		d.log.Warn("shutdown did not finish in time", "timeout", timeout, "err", err)
	}
	for _, err := range d.svc.Stop(ctx) {
		d.log.Warn("a service did not stop in time", "timeout", timeout, "err", err)
	}
	d.log.Info("stopped")
}
