// Package service is the one lifecycle of the daemon's background parts:
// the pid file, error_log, the metrics' view of the configuration, the
// callbacks' and commands' pool, the recorders' flush ticker, and next the
// recordings index writer, retention, schedules and the spool cleaner.
//
// A service is prepared for a configuration at start and on every reload
// whose configuration changed, before the snapshot swap, where a failure
// still keeps the running configuration; it is then committed after the
// swap, or aborted. It stops once with the daemon, after every RTMP
// session ended. The daemon runs its services as one List, in an explicit
// order: prepared and committed in list order, aborted and stopped in
// reverse order.
package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/rtmprecd/rtmprecd/conf"
)

// Service is one background part of the daemon. The daemon calls it from
// one goroutine at a time: Prepare, then Commit or Abort of what it
// returned, before the next Prepare; Stop last.
type Service interface {
	// Name identifies the service in logs and errors.
	Name() string
	// Prepare readies the service for cfg: what can fail (opening a file,
	// taking a lock, reaching a database) happens here, and the running
	// configuration is served unchanged until Commit.
	Prepare(cfg *conf.Config) (Change, error)
	// Stop ends the service with the daemon and returns once its
	// goroutines are gone, or with ctx's error when it expires first.
	Stop(ctx context.Context) error
}

// Change is one service prepared for a configuration.
type Change interface {
	// Commit switches the service to the configuration, after the swap.
	// It cannot fail: whatever could was done by Prepare.
	Commit()
	// Abort undoes Prepare; the service goes on as before.
	Abort()
}

// Funcs is a Change made of two functions; a nil one does nothing.
type Funcs struct {
	OnCommit, OnAbort func()
}

// Commit calls OnCommit.
func (f Funcs) Commit() {
	if f.OnCommit != nil {
		f.OnCommit()
	}
}

// Abort calls OnAbort.
func (f Funcs) Abort() {
	if f.OnAbort != nil {
		f.OnAbort()
	}
}

// None is the Change of a service that the configuration does not concern.
var None Change = Funcs{}

// List is services in the order they are prepared and committed; they are
// aborted and stopped in reverse order.
type List []Service

// Prepare prepares every service for cfg in order. When one fails, the ones
// prepared before it are aborted, in reverse order, and its error is
// returned: nothing changed. The returned Change commits every service in
// order, or aborts them in reverse order.
func (l List) Prepare(cfg *conf.Config) (Change, error) {
	var done changes
	for _, s := range l {
		ch, err := s.Prepare(cfg)
		if err != nil {
			done.Abort()
			return nil, err
		}
		done = append(done, ch)
	}
	return done, nil
}

// changes is the prepared Changes of a List, in list order.
type changes []Change

func (cs changes) Commit() {
	for _, c := range cs {
		c.Commit()
	}
}

func (cs changes) Abort() {
	for _, c := range slices.Backward(cs) {
		c.Abort()
	}
}

// Stop stops every service in reverse order, each within ctx, and reports
// every failure, named. A service that does not stop in time does not keep
// the others from stopping.
func (l List) Stop(ctx context.Context) []error {
	var errs []error
	for _, s := range slices.Backward(l) {
		if err := s.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name(), err))
		}
	}
	return errs
}
