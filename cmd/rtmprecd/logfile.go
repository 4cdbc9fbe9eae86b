package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/rtmprecd/rtmprecd/conf"
)

// logOutput is where the daemon's log goes: error_log's file, or stderr
// when unset. The file is swapped under a mutex, so SIGUSR1 (logrotate
// moved the file) and a reload that changes error_log switch between two
// records and lose none: slog's handlers write each record with one Write.
type logOutput struct {
	stderr io.Writer
	level  slog.LevelVar

	mu   sync.Mutex
	path string   // "" for stderr
	f    *os.File // nil for stderr
}

// newLogOutput opens error_log's file as cfg says.
func newLogOutput(cfg *conf.Config, stderr io.Writer) (*logOutput, error) {
	o := &logOutput{stderr: stderr, path: cfg.ErrorLog}
	o.level.Set(logLevel(cfg.ErrorLogLevel))
	if o.path != "" {
		f, err := openLog(o.path)
		if err != nil {
			return nil, err
		}
		o.f = f
	}
	return o, nil
}

func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("error_log: %w", err)
	}
	return f, nil
}

// logger returns a text logger writing to o at o's level.
func (o *logOutput) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(o, &slog.HandlerOptions{Level: &o.level}))
}

// Write writes one record to the current file.
func (o *logOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return o.stderr.Write(p)
	}
	return o.f.Write(p)
}

// reopen opens error_log's path again (a new file once logrotate moved
// the old one) and swaps it in. With stderr there is nothing to do. On
// error the old file stays in use.
func (o *logOutput) reopen() error {
	o.mu.Lock()
	path := o.path
	o.mu.Unlock()
	if path == "" {
		return nil
	}
	f, err := openLog(path)
	if err != nil {
		return err
	}
	o.swap(path, f)
	return nil
}

// prepare opens cfg's error_log before a reload's swap, so that a log
// that cannot be opened aborts the reload. The returned function switches
// the output and level (commit) or closes what prepare opened.
func (o *logOutput) prepare(cfg *conf.Config) (func(commit bool), error) {
	o.mu.Lock()
	same := cfg.ErrorLog == o.path
	o.mu.Unlock()
	var f *os.File
	if !same && cfg.ErrorLog != "" {
		var err error
		if f, err = openLog(cfg.ErrorLog); err != nil {
			return nil, err
		}
	}
	return func(commit bool) {
		switch {
		case !commit:
			if f != nil {
				f.Close()
			}
		case !same:
			o.swap(cfg.ErrorLog, f)
			fallthrough
		default:
			o.level.Set(logLevel(cfg.ErrorLogLevel))
		}
	}, nil
}

// swap makes f (nil for stderr) the output and closes the previous file.
func (o *logOutput) swap(path string, f *os.File) {
	o.mu.Lock()
	old := o.f
	o.path, o.f = path, f
	o.mu.Unlock()
	if old != nil {
		old.Close()
	}
}

// Close closes the file; later records go to stderr.
func (o *logOutput) Close() error {
	o.swap("", nil)
	return nil
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
