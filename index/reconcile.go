package index

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"time"
)

// all selects every row a query can return in one page.
const all = math.MaxInt32

// ReasonCrash is the reason of a row that reconciliation completed: the
// daemon stopped without closing the file.
const ReasonCrash = "crash"

// Reconciled counts what Reconcile did.
type Reconciled struct{ Done, Failed, Missing int }

// Reconcile completes the rows a crash left in status recording, before
// any new recording starts: a file that reads is done with its figures,
// one that does not is failed, one that is gone is missing. One log line
// per row.
//
// In an index shared by several nodes, only this node's rows are
// reconciled: the files of the others are not here.
func Reconcile(ctx context.Context, s Store, log *slog.Logger) (Reconciled, error) {
	return ReconcileIdle(ctx, s, log, func(string) bool { return false })
}

// ReconcileIdle is Reconcile of the rows in status recording whose file
// is not being recorded now (open reports those that are): after the
// database was unreachable and the writer dropped changes, it closes the
// rows whose Closed was lost.
func ReconcileIdle(ctx context.Context, s Store, log *slog.Logger, open func(path string) bool) (Reconciled, error) {
	var out Reconciled
	rows, _, err := s.List(ctx, Query{Status: StatusRecording, Node: NodeOf(s), Size: all})
	if err != nil {
		return out, err
	}
	now := time.Now()
	for i := range rows {
		r := &rows[i]
		if open(r.Path) {
			continue
		}
		complete(r, now)
		switch r.Status {
		case StatusDone:
			out.Done++
			log.Info("index: completed a recording left open", "path", r.Path, "size", r.Size, "duration", r.Duration)
		case StatusFailed:
			out.Failed++
			log.Warn("index: recording left open does not read", "path", r.Path, "err", r.Error)
		case StatusMissing:
			out.Missing++
			log.Warn("index: recording left open is gone", "path", r.Path)
		}
		if err := s.Put(ctx, r); err != nil {
			return out, err
		}
	}
	return out, nil
}

// complete sets r's figures and status from its file.
func complete(r *Recording, now time.Time) {
	r.Updated, r.Reason = now, ReasonCrash
	facts, err := probeFrames(r.Format, r.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Status = StatusMissing
		return
	case err != nil:
		r.Status, r.Error = StatusFailed, err.Error()
		if st, serr := os.Stat(r.Path); serr == nil {
			r.Size, r.End = st.Size(), st.ModTime()
			if st.IsDir() { // an HLS recording whose playlist does not read
				r.Size, _ = dirBytes(r.Path)
			}
		}
		return
	}
	facts.Fill(r)
	r.Status, r.End = StatusDone, facts.ModTime
}

// Probe reads the facts of a recording by its format: an FLV file, an
// HLS directory (ProbeHLS). Other formats give their size and
// modification time.
func Probe(format, path string) (Facts, error) {
	if format == "" || format == "flv" {
		return ProbeFLV(path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return Facts{}, err
	}
	if st.IsDir() { // an HLS recording
		return ProbeHLS(path)
	}
	return Facts{Size: st.Size(), ModTime: st.ModTime(), SizeOnly: true}, nil
}

// dirBytes is the total size of the regular files in dir (not below).
func dirBytes(dir string) (int64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n, nil
}
