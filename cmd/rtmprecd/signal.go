package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rtmprecd/rtmprecd/conf"
)

// controlSignals maps `rtmprecd -s NAME` to the signal sent, as `nginx -s`.
// stop and quit are both graceful here: recordings are always finished.
var controlSignals = map[string]struct {
	sig  syscall.Signal
	name string
}{
	"reload": {syscall.SIGHUP, "SIGHUP"},
	"stop":   {syscall.SIGTERM, "SIGTERM"},
	"quit":   {syscall.SIGQUIT, "SIGQUIT"},
	"reopen": {syscall.SIGUSR1, "SIGUSR1"},
}

// daemonSignals are the signals the running daemon handles.
var daemonSignals = []os.Signal{
	syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT, // stop gracefully
	syscall.SIGHUP,  // reload the configuration
	syscall.SIGUSR1, // reopen error_log
}

// notifySignals starts delivering daemonSignals; stop undoes it. The
// channel's buffer coalesces a burst of one signal kind at most partly,
// which is fine: a reload of an unchanged file is a no-op.
func notifySignals() (sigs <-chan os.Signal, stop func()) {
	c := make(chan os.Signal, 8)
	signal.Notify(c, daemonSignals...)
	return c, func() { signal.Stop(c) }
}

// signalDaemon implements `rtmprecd -s NAME`: it finds the running daemon
// through cfg's pid file and sends it the signal.
func signalDaemon(cfg *conf.Config, name string) error {
	cs, ok := controlSignals[name]
	if !ok {
		return fmt.Errorf("invalid signal %q for -s (want reload, stop, quit or reopen)", name)
	}
	if cfg.Pid == "" {
		return fmt.Errorf("no \"pid\" directive in %s: cannot find the running rtmprecd", cfg.File)
	}
	pid, err := runningPid(cfg.Pid)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, cs.sig); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("kill(%d, %s) failed: no such process (pid file %q)", pid, cs.name, cfg.Pid)
		}
		return fmt.Errorf("kill(%d, %s) failed: %w", pid, cs.name, err)
	}
	return nil
}
