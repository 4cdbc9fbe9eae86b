// Package repair finishes recordings a crash left unfinished: an MP4
// whose journal is still beside it (the moov is written from the journal
// and the media that reached the file) and a fragmented MP4 without its
// close (a torn last fragment is cut, then the durations and the mfra are
// written). The daemon runs it over every MP4 and fMP4 recorder's
// recording root at start, before anything else reads the files, and
// `rtmprecd repair FILE...` runs it by hand. Which files it considers,
// and which it leaves to a live writer, is recfile's rule.
package repair

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"

	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/fmp4"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// ErrBusy says a live writer holds the file or its journal (recfile.Busy):
// it is left alone.
var ErrBusy = errors.New("being written by another process")

// Result is what was done to one file.
type Result struct {
	Path   string
	Format string // "mp4" or "fmp4"; "" when the file is not one we repair
	// Repaired is set when the file was finished now; otherwise it was
	// already finished and left as it was.
	Repaired bool
	Seconds  float64 // media the finished file holds
	Samples  int64
	Cut      int64 // bytes of a torn tail cut off
	Outgrew  bool  // mp4: the moov went after the mdat
}

// String is the one line `rtmprecd repair` prints for the file.
func (r Result) String() string {
	switch {
	case !r.Repaired:
		return fmt.Sprintf("%s: %s, already finished: nothing to do", r.Path, r.Format)
	case r.Format == "mp4":
		where := "before"
		if r.Outgrew {
			where = "after"
		}
		return fmt.Sprintf("%s: mp4 finished from its journal: %.3f s recovered (%d samples, %d torn bytes cut, moov %s the media)",
			r.Path, r.Seconds, r.Samples, r.Cut, where)
	}
	return fmt.Sprintf("%s: fmp4 finished: %.3f s recovered (%d samples, %d torn bytes cut), durations and mfra written",
		r.Path, r.Seconds, r.Samples, r.Cut)
}

// File finishes the recording at path when a crash left it unfinished.
// A file a live writer holds fails with ErrBusy and is not touched.
func File(path string) (Result, error) {
	res := Result{Path: path}
	busy, err := recfile.Busy(path)
	if err != nil {
		return res, err
	}
	if busy {
		return res, ErrBusy
	}
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return res, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return res, fmt.Errorf("%s: not a regular file", path)
	}
	s := format.NewOSSink(f)
	if _, err := os.Lstat(mp4.JournalPath(path)); err == nil {
		return repairMP4(s, res)
	}
	return repairFMP4(s, res)
}

func repairMP4(s format.Sink, res Result) (Result, error) {
	res.Format = "mp4"
	fin, err := mp4.Repair(s, res.Path)
	if err != nil {
		return res, fmt.Errorf("%s: %w", res.Path, err)
	}
	res.Repaired, res.Seconds, res.Samples = true, float64(fin.DurationMS)/1000, fin.Samples
	res.Outgrew, res.Cut = fin.Outgrew, fin.Cut
	return res, nil
}

func repairFMP4(s format.Sink, res Result) (Result, error) {
	res.Format = "fmp4"
	fin, err := fmp4.Repair(s)
	if errors.Is(err, fmp4.ErrNotFragmented) {
		res.Format = "mp4" // progressive, and its journal is gone: finished
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("%s: %w", res.Path, err)
	}
	res.Repaired, res.Seconds, res.Samples, res.Cut = !fin.Done, float64(fin.DurationMS)/1000, fin.Samples, fin.Cut
	return res, nil
}

// Root finishes every unfinished recording below root, logging one line
// for each (with the seconds recovered) and for each it could not
// finish; it returns how many it finished. Finished files are recognised
// without reading their media (Unfinished).
func Root(root recfile.Root, log *slog.Logger) (int, error) {
	n := 0
	err := recfile.Walk(root, func(p string) error {
		if !Unfinished(p) {
			return nil
		}
		res, err := File(p)
		switch {
		case errors.Is(err, ErrBusy):
			log.Warn("repair: unfinished recording left alone: another process is writing it", "path", p)
		case err != nil:
			log.Error("repair: cannot finish an unfinished recording", "path", p, "err", err)
		case res.Repaired:
			n++
			log.Info("repair: finished a recording a crash left unfinished", "path", p, "format", res.Format,
				"seconds", res.Seconds, "samples", res.Samples, "cut", res.Cut)
		}
		return nil
	})
	return n, err
}

// Unfinished reports cheaply whether the MP4 or fMP4 file at path needs
// repair: its journal is there, or it is a fragmented file without its
// close. Anything it cannot read is left to File to report.
func Unfinished(path string) bool {
	if _, err := os.Lstat(mp4.JournalPath(path)); err == nil {
		return true
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		return false // an empty file: the crash came before any media
	}
	need, err := fmp4.NeedsRepair(f, st.Size())
	return need || err != nil && !errors.Is(err, fmp4.ErrNotFragmented)
}

// Dirs closes every HLS recording under root that a crash left
// unfinished (hls.RepairDir: the segment being written at the crash is
// cut after its last whole fragment or PES packet and listed, the
// playlist gets #EXT-X-ENDLIST, other files it does not list are removed), one log line each; a recording another
// process is writing is left alone. It returns how many were repaired.
func Dirs(root recfile.Root, log *slog.Logger) (int, error) {
	n := 0
	err := recfile.WalkDirs(root, func(dir string) error {
		res, err := hls.RepairDir(dir, nil)
		switch {
		case err != nil:
			log.Error("repair: cannot close an unfinished HLS recording", "path", dir, "err", err)
		case res.Skipped == "live":
			log.Warn("repair: unfinished recording left alone: another process is writing it", "path", dir)
		case res.Closed || len(res.Removed) > 0 || res.Finished != "":
			n++
			log.Info("repair: closed an HLS recording a crash left unfinished", "path", dir,
				"segments", res.Segments, "seconds", float64(res.MS)/1000, "finished", res.Finished,
				"recovered_seconds", float64(res.FinishedMS)/1000, "removed", len(res.Removed))
		}
		return nil
	})
	return n, err
}
