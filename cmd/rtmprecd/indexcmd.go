package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/postgres"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
	"github.com/rtmprecd/rtmprecd/retention"
)

// runIndexCmd is `rtmprecd index rebuild -c CONF`: (re)create the rows of
// the recordings index from the files under the record paths and the
// journal, printing what it could not determine.
func runIndexCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "rebuild" {
		fmt.Fprintln(stderr, "usage: rtmprecd index rebuild [-c file]")
		return exitUsage
	}
	fs := flag.NewFlagSet("rtmprecd index rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("c", defaultConfig, "configuration `file`")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	ctx := context.Background()
	cfg, store, journal, code := openConfiguredIndex(ctx, *path, "nothing to rebuild", stderr)
	if code != exitOK {
		return code
	}
	defer store.Close()
	sum, err := index.Rebuild(ctx, store, indexRoots(cfg), journal, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "rtmprecd: [error] index rebuild: %v\n", err)
		return exitConfig
	}
	fmt.Fprintf(stdout, "rebuilt %s: %d added, %d updated, %d missing, %d skipped, %d journal entries replayed\n",
		store, sum.Added, sum.Updated, sum.Missing, sum.Skipped, sum.Replayed)
	return exitOK
}

// indexRoots are the record paths of every recorder that records.
func indexRoots(cfg *conf.Config) []index.Root {
	var roots []index.Root
	for _, srv := range cfg.Servers {
		for _, app := range srv.Applications {
			for _, rec := range app.Recorders {
				if rec.Path == "" || rec.Flags.Has(conf.RecordOff) {
					continue
				}
				roots = append(roots, index.Root{Dir: rec.RootDir(), App: app.Name, Recorder: rec.Name, Format: rec.Format,
					Suffix: rec.Suffix, Timed: rec.SuffixFormat != nil || rec.SuffixTemplate != nil, Unique: rec.Unique})
			}
		}
	}
	return roots
}

// checkIndex is -t's check of record_index: a damaged database fails the
// test, as it would fail the start.
func checkIndex(cfg *conf.Config) error {
	if cfg.RecordIndex == "" {
		return nil
	}
	if postgres.IsURL(cfg.RecordIndex) {
		return postgres.Check(context.Background(), cfg.RecordIndex)
	}
	return sqlite.Check(context.Background(), cfg.RecordIndex)
}

// openConfiguredIndex loads the configuration at path and opens its
// recordings index, for the commands that work on it (index rebuild,
// cleanup); a configuration without record_index is an error, why says
// what the command then cannot do. A failure is reported on stderr and
// its exit code returned.
func openConfiguredIndex(ctx context.Context, path, why string, stderr io.Writer) (*conf.Config, retention.Store, string, int) {
	cfg, err := conf.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "rtmprecd: [emerg] %v\n", err)
		return nil, nil, "", exitConfig
	}
	if cfg.RecordIndex == "" {
		fmt.Fprintf(stderr, "rtmprecd: [emerg] %s sets no record_index: %s\n", path, why)
		return nil, nil, "", exitConfig
	}
	store, journal, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "rtmprecd: [emerg] %v\n", err)
		return nil, nil, "", exitConfig
	}
	return cfg, store, journal, exitOK
}
