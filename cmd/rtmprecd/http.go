package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/control"
	"github.com/rtmprecd/rtmprecd/record"
)

// controlReloader adapts the daemon to control.Reloader: the control API's
// POST /control/reload goes through the same funnel as SIGHUP.
type controlReloader struct{ d *Daemon }

// Reload runs the daemon's reload and waits for its outcome.
func (r controlReloader) Reload() error { return r.d.Reload() }

// ConfigStatus converts the daemon's ReloadStatus.
func (r controlReloader) ConfigStatus() control.ConfigStatus {
	st := r.d.Status()
	return control.ConfigStatus{
		Generation: st.Generation, Hash: st.Hash, File: st.File, LoadedAt: st.LoadedAt,
		LastReloadAt: st.LastReloadAt, LastResult: st.LastResult,
		LastError: st.LastError, LastErrorAt: st.LastErrorAt,
	}
}

// newControl builds the HTTP side of d: the control API, /control/status
// and /stat for the configuration's http blocks. meter must be the first
// entry of d's module list and rec its record module. Nothing listens
// before Prepare/Apply.
func newControl(d *Daemon, meter *control.Module, rec *record.Module, log *slog.Logger) *control.Server {
	return control.New(control.Options{
		Registry: d.srv.Registry(),
		Recorder: rec,
		Reloader: controlReloader{d},
		Meter:    meter,
		Metrics:  d.met,
		RecordAPI: func(prefix, token string) http.Handler {
			if x := d.index(); x != nil {
				return x.handler(prefix, token)
			}
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, `{"code":503,"message":"record_index was not set when rtmprecd started: restart it to open the index"}`, http.StatusServiceUnavailable)
			})
		},
		Version: version,
		Logger:  log,
	})
}

// controlStage makes the control API's listeners part of start and of
// every reload: bound with the other stages' resources (a bind failure
// keeps the running configuration), switched on commit.
func controlStage(api *control.Server) stage {
	return func(cfg *conf.Config) (func(commit bool), error) {
		p, err := api.Prepare(cfg)
		if err != nil {
			return nil, err
		}
		return func(commit bool) {
			if commit {
				p.Commit()
			} else {
				p.Abort()
			}
		}, nil
	}
}

// setupControl builds the control API of d and hooks it into start and
// every reload (a stage: its listeners bind with the RTMP ones, all or
// nothing) and into shutdown (before the RTMP sessions end, so no control
// call races with it). meter must be in d's module list, right before the
// recorders. Call it from newDaemon, after the RTMP server exists.
func (d *Daemon) setupControl(meter *control.Module) *control.Server {
	api := newControl(d, meter, d.mods.record, d.log)
	d.addStage(controlStage(api))
	d.addStop(func(ctx context.Context) {
		if err := api.Shutdown(ctx); err != nil {
			d.log.Warn("http shutdown did not finish in time", "err", err)
		}
	})
	return api
}
