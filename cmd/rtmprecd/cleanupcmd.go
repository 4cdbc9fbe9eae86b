package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/retention"
)

// runCleanupCmd is `rtmprecd cleanup -c CONF [--dry-run]`: one retention
// pass of the configuration's rules over its index, one line per removal
// on stdout; with --dry-run, what the pass would remove and why, changing
// nothing. It may run beside the daemon (the index takes both writers).
func runCleanupCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rtmprecd cleanup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("c", defaultConfig, "configuration `file`")
	dry := fs.Bool("dry-run", false, "print what would be removed, remove nothing")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: rtmprecd cleanup [-c file] [--dry-run]")
		return exitUsage
	}
	ctx := context.Background()
	cfg, store, jpath, code := openConfiguredIndex(ctx, *path, "retention works from the index", stderr)
	if code != exitOK {
		return code
	}
	defer store.Close()
	o := retention.Options{Store: store, DryRun: *dry, Report: reportLine(stdout, *dry),
		Logger:   slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Policies: func() []retention.Policy { return retention.Policies(cfg) }}
	if jpath != "" && !*dry {
		j, err := index.OpenJournal(jpath)
		if err != nil {
			fmt.Fprintf(stderr, "rtmprecd: [emerg] %v\n", err)
			return exitConfig
		}
		defer j.Close()
		o.Journal = j
	}
	n := len(retention.New(o).Pass(ctx))
	verb := "removed"
	if *dry {
		verb = "would remove"
	}
	fmt.Fprintf(stdout, "cleanup %s: %s %d recordings\n", store, verb, n)
	return exitOK
}

// reportLine prints one removal: what, how big, how old, which rule.
func reportLine(w io.Writer, dry bool) func(retention.Removal) {
	return func(rm retention.Removal) {
		verb := "removed"
		switch {
		case dry && rm.Missing:
			verb = "would mark missing"
		case dry:
			verb = "would remove"
		case rm.Missing:
			verb = "missing"
		}
		fmt.Fprintf(w, "%s %s size=%d age=%s rule=%s recorder=%s\n", verb, rm.Row.Path, rm.Row.Size,
			rm.Age.Round(time.Second), rm.Rule, retention.PolicyName(rm.Row))
	}
}
