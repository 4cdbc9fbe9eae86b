package notify

import (
	"context"
	"fmt"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/service"
)

var _ service.Service = (*Module)(nil)

// Prepare readies exec_max_children of cfg; Commit makes it bound the next
// exec_* start (service.Service). The commands already running are not
// stopped: a lower limit holds back new ones until enough have exited.
func (m *Module) Prepare(cfg *conf.Config) (service.Change, error) {
	return service.Funcs{OnCommit: func() { m.limit.Store(int64(cfg.ExecMaxChildren)) }}, nil
}

// Stop waits, within ctx, for the callbacks and exec_* commands that the
// last sessions queued (service.Service): the daemon stops it once every
// session ended.
func (m *Module) Stop(ctx context.Context) error {
	if err := m.Wait(ctx); err != nil {
		return fmt.Errorf("callbacks still pending at exit: %w", err)
	}
	return nil
}
