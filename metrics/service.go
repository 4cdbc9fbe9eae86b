package metrics

import (
	"context"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/service"
)

var _ service.Service = (*Exporter)(nil)

// Name returns "metrics".
func (e *Exporter) Name() string { return "metrics" }

// Prepare readies cfg's record paths for the free-space gauges; Commit
// makes the next scrape measure them (service.Service).
func (e *Exporter) Prepare(cfg *conf.Config) (service.Change, error) {
	return service.Funcs{OnCommit: func() { e.cfg.Store(cfg) }}, nil
}

// Stop does nothing: scrapes read snapshots and hold no goroutine
// (service.Service).
func (e *Exporter) Stop(context.Context) error { return nil }
