package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
)

// TestCleanupCommandDryRunThenPass: `rtmprecd cleanup --dry-run` prints
// one line per recording a pass would remove (and why) and changes
// nothing; `rtmprecd cleanup` then removes exactly those, one line each,
// marks a row whose file is gone missing, and leaves the pinned, the
// recent and a file without a row alone; the removals are journaled.
func TestCleanupCommandDryRunThenPass(t *testing.T) {
	dir := t.TempDir()
	rec, db := filepath.Join(dir, "rec"), filepath.Join(dir, ".index.db")
	if err := os.MkdirAll(rec, 0o755); err != nil {
		t.Fatal(err)
	}
	path := writeConf(t, fmt.Sprintf(`record_index %s;
rtmp { server { listen 127.0.0.1:0; application live {
	record all; record_path %s; record_max_age 1d; record_stream_max_files 2;
} } }`, db, rec))
	store, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var rows []index.Recording
	for i, ago := range []time.Duration{96, 72, 60, 48, 2, 1} { // hours
		p := filepath.Join(rec, fmt.Sprintf("cam-%d.flv", i))
		if i != 2 { // row 2's file was removed by hand
			if err := os.WriteFile(p, make([]byte, 10+i), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		st := now.Add(-ago * time.Hour)
		r := index.Recording{StreamPath: "live/cam", App: "live", Name: "cam", Format: "flv", Path: p,
			Status: index.StatusDone, Start: st, End: st.Add(time.Minute), Size: int64(10 + i)}
		if err := store.Put(context.Background(), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	pinned := true
	if _, err := store.Mark(context.Background(), rows[1].ID, index.Mark{Pinned: &pinned}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	stray := filepath.Join(rec, "stray.flv")
	os.WriteFile(stray, []byte("x"), 0o644)

	cleanup := func(args ...string) []string {
		var out, errb bytes.Buffer
		if code := run(append([]string{"cleanup", "-c", path}, args...), &out, &errb); code != exitOK {
			t.Fatalf("cleanup %v: exit %d: %s", args, code, errb.String())
		}
		return strings.Split(strings.TrimSpace(out.String()), "\n")
	}
	// rows 0, 2, 3 ended over a day ago (1 is pinned); stream_max_files 2
	// then finds 3 live rows (1, 4, 5) and takes the oldest unpinned: 4
	want := []string{"%s " + rows[0].Path + " size=10 age=", "rule=max_age recorder=live",
		"%s " + rows[2].Path + " size=12 age=", "rule=max_age recorder=live",
		"%s " + rows[3].Path + " size=13 age=", "rule=max_age recorder=live",
		"%s " + rows[4].Path + " size=14 age=", "rule=stream_max_files recorder=live"}
	check := func(lines []string, verbs ...string) {
		t.Helper()
		if len(lines) != 5 || !strings.Contains(lines[4], " 4 recordings") {
			t.Fatalf("output:\n%s", strings.Join(lines, "\n"))
		}
		for i := range 4 {
			if !strings.HasPrefix(lines[i], fmt.Sprintf(want[2*i], verbs[i])) || !strings.HasSuffix(lines[i], want[2*i+1]) {
				t.Errorf("line %d: %q, want %q ... %q", i, lines[i], fmt.Sprintf(want[2*i], verbs[i]), want[2*i+1])
			}
		}
	}
	check(cleanup("--dry-run"), "would remove", "would mark missing", "would remove", "would remove")
	for i, r := range rows {
		if _, err := os.Stat(r.Path); (err == nil) != (i != 2) {
			t.Fatalf("dry run changed file %d: %v", i, err)
		}
	}
	check(cleanup(), "removed", "missing", "removed", "removed")

	store, err = sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	wantStatus := []string{"deleted:max_age", "done:", "missing:max_age", "deleted:max_age", "deleted:stream_max_files", "done:"}
	for i, r := range rows {
		got, _ := store.Get(context.Background(), r.ID)
		_, err := os.Stat(r.Path)
		if s := string(got.Status) + ":" + got.RemovedBy; s != wantStatus[i] || (err == nil) != (got.Status == index.StatusDone) {
			t.Errorf("row %d: %s (file: %v), want %s", i, s, err, wantStatus[i])
		}
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("file without a row: %v", err)
	}
	j, err := os.ReadFile(index.JournalPath(db))
	if err != nil || strings.Count(string(j), "\n") != 4 {
		t.Errorf("journal: %v\n%s", err, j)
	}
	if lines := cleanup("--dry-run"); len(lines) != 1 || !strings.Contains(lines[0], "would remove 0 recordings") {
		t.Errorf("second dry run: %q", lines)
	}
}
