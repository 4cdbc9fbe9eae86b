package main

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/metrics"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/service"
)

// indexService is the recordings index as a service of the daemon.
// record_index is read at start only: the first Prepare opens and
// reconciles the database, before any listener is bound and so before
// anything records, and Commit starts writing to it; a later configuration
// that names another index is logged and applied at the next start. Stop
// writes what is queued and closes the database, once the last recording
// closed.
type indexService struct {
	rec    *record.Module
	met    *metrics.Exporter
	config func() *conf.Config // the running configuration, for the API
	log    *slog.Logger

	started bool                     // the first configuration was committed
	x       atomic.Pointer[recIndex] // nil without record_index at start
}

var _ service.Service = (*indexService)(nil)

// current returns the open index, or nil.
func (s *indexService) current() *recIndex { return s.x.Load() }

// Name returns "record_index".
func (s *indexService) Name() string { return "record_index" }

// Prepare opens cfg's index at start; later it only checks whether
// record_index changed.
func (s *indexService) Prepare(cfg *conf.Config) (service.Change, error) {
	if s.started {
		return service.Funcs{OnCommit: func() { s.warnChanged(cfg) }}, nil
	}
	if cfg.RecordIndex == "" {
		return service.Funcs{OnCommit: func() { s.started = true }}, nil
	}
	x, err := openIndex(context.Background(), cfg, s.rec, s.config, s.log)
	if err != nil {
		return nil, err
	}
	return service.Funcs{
		OnCommit: func() { s.started = true; s.use(x) },
		OnAbort:  func() { x.close(context.Background()) },
	}, nil
}

// use makes x the index written to, counted in the metrics.
func (s *indexService) use(x *recIndex) {
	s.x.Store(x)
	s.met.Index(func() metrics.IndexStats {
		st := x.writer.Stats()
		return metrics.IndexStats{Applied: st.Applied, Dropped: st.Dropped, Failed: st.Failed}
	})
	s.met.Retention(x.cleaner.Status)
	x.run()
}

// warnChanged logs that a reload names another index than the one in use.
func (s *indexService) warnChanged(cfg *conf.Config) {
	if x := s.current(); x != nil && cfg.RecordIndex != x.path {
		s.log.Warn("record_index changed: the index in use stays until the next start", "in_use", x.path, "configured", cfg.RecordIndex)
	}
}

// Stop writes what is queued and closes the database.
func (s *indexService) Stop(ctx context.Context) error {
	if x := s.current(); x != nil {
		x.close(ctx)
	}
	return nil
}
