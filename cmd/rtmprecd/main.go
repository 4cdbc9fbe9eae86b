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
	"log/slog"
	"os"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/parser"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes.
const (
	exitOK     = 0
	exitConfig = 1 // the configuration does not load
	exitUsage  = 2 // bad flags or no configuration file
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the whole command minus os.Exit, so tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
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
	fmt.Fprintf(stderr, "rtmprecd: configuration file %s test is successful\n", o.config)
	if o.dump {
		fmt.Fprintf(stdout, "# configuration file %s (sha256 %s):\n", o.config, cfg.Hash)
		_, _ = stdout.Write(cfg.Dump())
	}
	return exitOK
}

// runDaemon sets up logging as error_log says and hands over to serve.
func runDaemon(cfg *conf.Config, stderr io.Writer) int {
	logger, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "rtmprecd: [emerg] %v\n", err)
		return exitConfig
	}
	defer closeLog()
	for _, w := range cfg.Warnings {
		logger.Warn(w.Msg, "at", w.Pos.FileLine())
	}
	return serve(context.Background(), cfg, logger)
}

// newLogger writes text logs to error_log's file, or stderr when unset.
func newLogger(cfg *conf.Config, stderr io.Writer) (*slog.Logger, func(), error) {
	out, closeLog := stderr, func() {}
	if cfg.ErrorLog != "" {
		f, err := os.OpenFile(cfg.ErrorLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("error_log: %w", err)
		}
		out, closeLog = f, func() { _ = f.Close() }
	}
	h := slog.NewTextHandler(out, &slog.HandlerOptions{Level: logLevel(cfg.ErrorLogLevel)})
	return slog.New(h), closeLog, nil
}

// logLevel maps nginx's eight error_log levels onto slog's four.
func logLevel(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "", "info", "notice":
		return slog.LevelInfo
	case "warn":
		return slog.LevelWarn
	}
	return slog.LevelError
}
