package main

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/parser"
)

// ReloadStatus is the state of the running configuration and of the last
// reload, as /control/status reports it.
type ReloadStatus struct {
	// Generation is 1 for the configuration the daemon started with and
	// grows by one with every reload that applied a changed configuration.
	Generation int       `json:"generation"`
	Hash       string    `json:"hash"`      // conf.Config.Hash of the running configuration
	File       string    `json:"file"`      // the main configuration file
	LoadedAt   time.Time `json:"loaded_at"` // when the running configuration was applied
	// LastReloadAt and LastResult describe the last reload attempt:
	// "applied", "unchanged" (same hash, nothing done) or "failed".
	LastReloadAt time.Time `json:"last_reload_at,omitzero"`
	LastResult   string    `json:"last_result,omitempty"`
	// LastError is the text of the last failed reload (with FILE:LINE for
	// configuration errors) and LastErrorAt its time. They stay after a
	// later success, so an operator can still see what went wrong.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// Outcomes of a reload, as ReloadStatus.LastResult.
const (
	reloadApplied   = "applied"
	reloadUnchanged = "unchanged"
	reloadFailed    = "failed"
)

// reload loads the configuration file, and applies it if it loads and its
// hash differs from the running one. It runs on the reload goroutine only.
// A reload never stops the daemon: on any error the running configuration
// stays as it was, and even a panic (a bug) is reported as a failed reload
// rather than ending every recording.
func (d *Daemon) reload(trigger string) (err error) {
	log := d.log.With("trigger", trigger)
	d.sd.reloading()
	defer d.sd.ready() // whatever the outcome, a configuration runs
	defer func() {
		if v := recover(); v != nil {
			log.Error("reload panicked", "stack", string(debug.Stack()))
			err = d.failed(log, fmt.Errorf("reload panicked: %v", v))
		}
	}()
	log.Info("reloading configuration", "file", d.path)
	old := d.cfg.Load()
	cfg, err := conf.Load(d.path)
	if err != nil {
		// Keep watching what this attempt read too: an include the
		// broken file just added may be the one being fixed next.
		_, src, _ := parser.ParseFileSources(d.path)
		d.setWatch(old, src)
		return d.failed(log, err)
	}
	if cfg.Hash == old.Hash {
		d.setWatch(cfg, parser.Sources{}) // the include list may differ in form
		log.Info("configuration unchanged", "hash", cfg.Hash)
		d.finish(reloadUnchanged, nil, nil)
		return nil
	}
	if err := d.apply(cfg); err != nil {
		return d.failed(log, err)
	}
	for _, w := range cfg.Warnings {
		log.Warn(w.Msg, "at", w.Pos.FileLine())
	}
	d.setWatch(cfg, parser.Sources{})
	st := d.finish(reloadApplied, cfg, nil)
	log.Info("configuration reloaded", "generation", st.Generation, "hash", cfg.Hash)
	return nil
}

// apply switches to cfg, at start and on every changed reload: prepare
// the services (a new pid file, a new error_log, ...) and bind the new
// listeners first, any failure undoing the rest and changing nothing;
// stop serving the listeners that go away or change hands, swap the
// snapshot, then serve the new listeners, close the removed ones and
// commit the services. Connections accepted before the swap keep the
// snapshot they pinned; later ones get cfg.
func (d *Daemon) apply(cfg *conf.Config) error {
	change, err := d.svc.Prepare(cfg)
	if err != nil {
		return err
	}
	plan, err := d.lis.Prepare(cfg)
	if err != nil {
		change.Abort()
		return err
	}
	plan.Detach()
	d.cfg.Store(cfg)
	plan.Commit()
	change.Commit()
	return nil
}

// failed logs and records a failed reload and returns err.
func (d *Daemon) failed(log *slog.Logger, err error) error {
	log.Error("configuration reload failed; keeping the running configuration", "err", err)
	d.finish(reloadFailed, nil, err)
	return err
}

// finish records a reload's outcome; cfg is the applied configuration.
func (d *Daemon) finish(result string, cfg *conf.Config, err error) ReloadStatus {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.status.LastReloadAt, d.status.LastResult = now, result
	if err != nil {
		d.status.LastError, d.status.LastErrorAt = err.Error(), now
	}
	if cfg != nil {
		d.status.Generation++
		d.status.Hash, d.status.LoadedAt = cfg.Hash, now
	}
	d.met.ReloadDone(result, d.status.Generation, now)
	return d.status
}

// setWatch starts, stops or retargets the config watcher as cfg says;
// extra is more to watch (what a failed load read).
func (d *Daemon) setWatch(cfg *conf.Config, extra parser.Sources) {
	if !cfg.ConfigWatch {
		if d.watch != nil {
			d.watch.close()
			d.watch = nil
			d.log.Info("config_watch stopped")
		}
		return
	}
	src := parser.Sources{
		Files: append(slices.Clone(cfg.Files), extra.Files...),
		Globs: append(slices.Clone(cfg.IncludeGlobs), extra.Globs...),
	}
	if d.watch != nil {
		d.watch.set(src)
		return
	}
	w, err := newConfigWatcher(src, d.watchDelay, d.watchc, d.log)
	if err != nil {
		d.log.Error("config_watch: cannot watch the configuration; SIGHUP still reloads", "err", err)
		return
	}
	d.watch = w
	d.log.Info("config_watch started", "files", len(cfg.Files))
}
