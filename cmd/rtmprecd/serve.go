package main

import (
	"context"
	"os"
)

// serve runs d until ctx is cancelled or a stop signal (SIGINT, SIGTERM,
// SIGQUIT) arrives on sigs, and returns the process exit code. SIGHUP
// reloads the configuration and SIGUSR1 reopens error_log; neither ever
// stops a daemon that is recording. started, when not nil, receives d once
// it listens (for in-process tests).
func serve(ctx context.Context, d *Daemon, sigs <-chan os.Signal, started chan<- *Daemon) int {
	if err := d.start(); err != nil {
		d.log.Error("cannot start", "err", err)
		d.pid.cur.remove()
		return exitConfig
	}
	d.sd.ready()
	if started != nil {
		started <- d
	}
	d.run(ctx, sigs)
	d.shutdown()
	return exitOK
}
