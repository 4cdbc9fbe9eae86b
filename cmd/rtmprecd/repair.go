package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/record/recfile"
	"github.com/rtmprecd/rtmprecd/record/repair"
)

// exitRepair is `rtmprecd repair`'s exit code when some file could not
// be finished (or another process is writing it).
const exitRepair = 1

// runRepairCmd is `rtmprecd repair FILE...`: finish MP4 and fMP4
// recordings a crash left unfinished, one line per file (what was done,
// the seconds it holds).
func runRepairCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, "usage: rtmprecd repair FILE...")
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	code := exitOK
	for _, p := range args {
		res, err := repair.File(p)
		if err != nil {
			fmt.Fprintf(stderr, "rtmprecd: [error] %s: not repaired: %v\n", p, err)
			code = exitRepair
			continue
		}
		fmt.Fprintln(stdout, res)
	}
	return code
}

// repairRoots finishes, before the daemon serves or anything reads the
// files, every unfinished recording under the recording root of each
// recorder that writes MP4 or fMP4 (recfile's rule: the recorder's names,
// files no live writer holds). One log line per file.
func repairRoots(cfg *conf.Config, log *slog.Logger) {
	seen := map[recfile.Root]bool{}
	for _, srv := range cfg.Servers {
		for _, app := range srv.Applications {
			for _, rec := range app.Recorders {
				if rec.Path == "" || rec.Flags.Has(conf.RecordOff) || rec.Format != "mp4" && rec.Format != "fmp4" {
					continue
				}
				root := recfile.Root{Dir: rec.RootDir(), Suffix: rec.Suffix, Timed: rec.SuffixFormat != nil || rec.SuffixTemplate != nil}
				if seen[root] {
					continue
				}
				seen[root] = true
				if _, err := repair.Root(root, log); err != nil {
					log.Error("repair: cannot walk a recording root", "path", rec.RootDir(), "err", err)
				}
			}
		}
	}
}
