package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
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
		if recfile.IsDirRecording(p) {
			if !repairDirCmd(p, stdout, stderr) {
				code = exitRepair
			}
			continue
		}
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

// repairDirCmd is `rtmprecd repair DIR` for an HLS recording: the
// segment being written at the crash finished, the playlist closed, the
// files it does not list removed.
func repairDirCmd(dir string, stdout, stderr io.Writer) bool {
	res, err := hls.RepairDir(dir, nil)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "rtmprecd: [error] %s: not repaired: %v\n", dir, err)
		return false
	case res.Skipped != "":
		fmt.Fprintf(stderr, "rtmprecd: [error] %s: not repaired: %s\n", dir, res.Skipped)
		return false
	case res.Closed || len(res.Removed) > 0 || res.Finished != "":
		fmt.Fprintf(stdout, "%s: hls: closed, %d segments, %.3f s, %s, %d unlisted files removed\n",
			dir, res.Segments, float64(res.MS)/1000, finishedText(res), len(res.Removed))
	default:
		fmt.Fprintf(stdout, "%s: hls: already finished, %d segments, %.3f s\n", dir, res.Segments, float64(res.MS)/1000)
	}
	return true
}

// repairRoots finishes, before the daemon serves or anything reads the
// files, every unfinished recording under the recording root of each
// recorder that writes MP4, fMP4 or HLS (recfile's rule: the recorder's
// names, files no live writer holds). One log line per recording.
func repairRoots(cfg *conf.Config, log *slog.Logger) {
	type walked struct {
		root recfile.Root
		hls  bool
	}
	seen := map[walked]bool{}
	for _, srv := range cfg.Servers {
		for _, app := range srv.Applications {
			for _, rec := range app.Recorders {
				if rec.Path == "" || rec.Flags.Has(conf.RecordOff) || rec.Format != "mp4" && rec.Format != "fmp4" && rec.Format != "hls" {
					continue
				}
				root := recfile.Root{Dir: rec.RootDir(), Suffix: rec.Suffix, Timed: rec.SuffixFormat != nil || rec.SuffixTemplate != nil}
				key := walked{root, rec.Format == "hls"}
				if seen[key] {
					continue
				}
				seen[key] = true
				walk := repair.Root
				if rec.Format == "hls" {
					walk = repair.Dirs
				}
				if _, err := walk(root, log); err != nil {
					log.Error("repair: cannot walk a recording root", "path", rec.RootDir(), "err", err)
				}
			}
		}
	}
}

// finishedText says what became of the segment being written at the
// crash.
func finishedText(res hls.Result) string {
	if res.Finished == "" {
		return "no torn segment finished"
	}
	return fmt.Sprintf("torn segment %s finished with %.3f s", res.Finished, float64(res.FinishedMS)/1000)
}
