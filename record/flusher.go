package record

import (
	"context"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/service"
)

// Flusher is the record module's flush ticker as a service of the daemon.
// The ticker runs while any stream publishes (the streams start and stop
// it); Stop, once every session ended, ends it for good and waits for its
// goroutine. No configuration concerns it.
func (m *Module) Flusher() service.Service { return flusher{m} }

type flusher struct{ m *Module }

// Name returns "record flusher".
func (flusher) Name() string { return "record flusher" }

// Prepare changes nothing: the flush period is not configured.
func (flusher) Prepare(*conf.Config) (service.Change, error) { return service.None, nil }

// Stop stops the ticker if it runs and keeps it from starting again.
func (f flusher) Stop(ctx context.Context) error {
	m := f.m
	m.mu.Lock()
	m.stopped = true
	if m.flush != nil {
		close(m.flush)
		m.flush = nil
	}
	m.mu.Unlock()
	done := make(chan struct{})
	go func() { m.flushing.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
