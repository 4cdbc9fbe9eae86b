package retention

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// env is a real index and a recording root with real files.
type env struct {
	t     testing.TB
	store *sqlite.Store
	root  string
	jpath string
	log   bytes.Buffer
	now   time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, ".index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	root := filepath.Join(dir, "rec")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, store: s, root: root, jpath: filepath.Join(dir, ".index.db.journal"), now: t0.Add(100 * 24 * time.Hour)}
}

// file writes a recording of size bytes for stream live/name of
// recorder rec, that started at start and lasted a minute, and indexes it.
func (e *env) file(rec, name string, start time.Time, size int) index.Recording {
	e.t.Helper()
	p := filepath.Join(e.root, rec, name+"-"+start.Format("20060102-150405")+".flv")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return e.row(rec, name, p, start, int64(size))
}

func (e *env) row(rec, name, path string, start time.Time, size int64) index.Recording {
	e.t.Helper()
	r := index.Recording{StreamPath: "live/" + name, App: "live", Name: name, Recorder: rec, Format: "flv",
		Path: path, Status: index.StatusDone, Start: start, End: start.Add(time.Minute), Size: size}
	if err := e.store.Put(context.Background(), &r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) cleaner(pols ...Policy) *Cleaner {
	j, err := index.OpenJournal(e.jpath)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { j.Close() })
	return New(Options{Store: e.store, Journal: j, Policies: func() []Policy { return pols },
		Now: func() time.Time { return e.now }, Logger: slog.New(slog.NewTextHandler(&e.log, nil)), Batch: 2, Pace: -1})
}

func (e *env) policy(rec string, r conf.Retention) Policy {
	return Policy{App: "live", Recorder: rec, Root: e.root, Retention: r}
}

// status returns the row's status and rule.
func (e *env) status(r index.Recording) (index.Status, string) {
	e.t.Helper()
	got, err := e.store.Get(context.Background(), r.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got.Status, got.RemovedBy
}

// expect checks each row's status, rule and whether its file exists.
func (e *env) expect(rows []index.Recording, want []string) {
	e.t.Helper()
	for i, r := range rows {
		st, rule := e.status(r)
		got := string(st)
		if rule != "" {
			got += ":" + rule
		}
		_, err := os.Stat(r.Path)
		if exists := err == nil; exists != (st != index.StatusDeleted && st != index.StatusMissing) {
			e.t.Errorf("row %d (%s): status %s but file exists=%v", i, r.Path, st, exists)
		}
		if got != want[i] {
			e.t.Errorf("row %d (%s, %s): %s, want %s", i, r.StreamPath, r.Start.Format(time.TimeOnly), got, want[i])
		}
	}
}
