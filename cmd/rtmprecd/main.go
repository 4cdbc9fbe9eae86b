// Command rtmprecd records live RTMP streams to files. It reads an
// nginx-rtmp style configuration; `rtmprecd -t` checks one as `nginx -t`
// does.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/parser"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes.
const (
	exitOK     = 0
	exitConfig = 1 // the configuration does not load, or the daemon cannot start
	exitUsage  = 2 // bad flags or no configuration file
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the whole command minus os.Exit, so tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "index" {
		return runIndexCmd(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "cleanup" {
		return runCleanupCmd(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "repair" {
		return runRepairCmd(args[1:], stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if errors.Is(err, errUsage) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "rtmprecd: %v\n", err)
		return exitUsage
	}
	if o.version {
		fmt.Fprintf(stdout, "rtmprecd version %s\n", version)
		return exitOK
	}
	cfg, err := conf.Load(o.config)
	if missingFile(err) {
		fmt.Fprintf(stderr, "rtmprecd: %v\n", err)
		return exitUsage
	}
	if o.signal != "" {
		return sendSignal(o, cfg, err, stderr)
	}
	if o.test || o.dump {
		return check(o, cfg, err, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "rtmprecd: [emerg] %v\n", err)
		return exitConfig
	}
	return runDaemon(cfg, stderr)
}

// missingFile reports whether the main configuration file itself is absent;
// a missing include is a configuration error at a line, not a usage error.
func missingFile(err error) bool {
	var pe *parser.Error
	return errors.Is(err, fs.ErrNotExist) && !errors.As(err, &pe)
}

// sendSignal implements -s: signal the daemon named by the pid file of
// the configuration, which must load (as nginx requires).
func sendSignal(o options, cfg *conf.Config, err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintf(stderr, "rtmprecd: [emerg] %v\n", err)
		return exitConfig
	}
	if err := signalDaemon(cfg, o.signal); err != nil {
		fmt.Fprintf(stderr, "rtmprecd: [error] %v\n", err)
		return exitConfig
	}
	return exitOK
}

// check implements -t and -T.
func check(o options, cfg *conf.Config, err error, stdout, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintf(stderr, "rtmprecd: [emerg] %v\n", err)
		fmt.Fprintf(stderr, "rtmprecd: configuration file %s test failed\n", o.config)
		return exitConfig
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stderr, "rtmprecd: [warn] %s\n", w)
	}
	if err := checkIndex(cfg); err != nil {
		fmt.Fprintf(stderr, "rtmprecd: [emerg] %v\n", err)
		fmt.Fprintf(stderr, "rtmprecd: configuration file %s test failed\n", o.config)
		return exitConfig
	}
	fmt.Fprintf(stderr, "rtmprecd: configuration file %s test is successful\n", o.config)
	if o.dump {
		fmt.Fprintf(stdout, "# configuration file %s (sha256 %s):\n", o.config, cfg.Hash)
		_, _ = stdout.Write(cfg.Dump())
	}
	return exitOK
}

// runDaemon takes the pid file, sets up logging as error_log says and
// hands over to serve.
func runDaemon(cfg *conf.Config, stderr io.Writer) int {
	// Before anything else: SIGHUP's default action would kill us.
	sigs, stopSignals := notifySignals()
	defer stopSignals()
	var pid *pidFile
	if cfg.Pid != "" {
		var err error
		if pid, err = createPidFile(cfg.Pid); err != nil {
			fmt.Fprintf(stderr, "rtmprecd: [emerg] %v\n", err)
			return exitConfig
		}
	}
	out, err := newLogOutput(cfg, stderr)
	if err != nil {
		pid.remove()
		fmt.Fprintf(stderr, "rtmprecd: [emerg] %v\n", err)
		return exitConfig
	}
	defer out.Close()
	d := newDaemon(cfg, out, pid)
	for _, w := range cfg.Warnings {
		d.log.Warn(w.Msg, "at", w.Pos.FileLine())
	}
	return serve(context.Background(), d, sigs, nil)
}
