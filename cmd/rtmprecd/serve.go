package main

import (
	"context"
	"log/slog"

	"github.com/rtmprecd/rtmprecd/conf"
)

// serve runs the daemon on cfg until ctx is cancelled or a stop signal
// arrives, and returns the process exit code.
//
// CONTRACT STUB owned by the coordinator; replaced by the sessions work.
func serve(ctx context.Context, cfg *conf.Config, log *slog.Logger) int {
	log.Info("configuration loaded; the RTMP server is not built yet", "file", cfg.File)
	return 0
}
