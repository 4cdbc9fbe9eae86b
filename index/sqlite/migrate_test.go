package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// v1 are the columns of schema 1 (removed_by came in 3).
var (
	v1             = columns[:len(columns)-1]
	v1Columns      = strings.Join(v1, ", ")
	v1Placeholders = strings.TrimSuffix(strings.Repeat("?, ", len(v1)), ", ")
)

// TestMigrationOneToTwoKeepsRowsAndAddsEvents: a database of schema 1
// (before the events table) opens at the current version with its rows,
// and takes events for them.
func TestMigrationOneToTwoKeepsRowsAndAddsEvents(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "i.db")
	db, err := openDB(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := step(ctx, db, 0); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := index.Recording{StreamPath: "live/cam", App: "live", Name: "cam", Format: "flv", Path: "/r/cam.flv",
		Status: index.StatusDone, Start: start, End: start.Add(time.Minute)}
	if _, err := db.ExecContext(ctx, "INSERT INTO recordings ("+v1Columns+") VALUES ("+v1Placeholders+")", values(&r)[:len(v1)]...); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	if v != SchemaVersion || SchemaVersion < 2 {
		t.Fatalf("user_version %d, SchemaVersion %d", v, SchemaVersion)
	}
	got, err := s.Live(ctx, r.Path)
	if err != nil || !got.Start.Equal(start) {
		t.Fatalf("row after migration %+v, %v", got, err)
	}
	err = s.Apply(ctx, []index.Change{{Kind: index.EventMarked, Row: r,
		Event: &index.Event{EventID: "x", Trigger: start.Add(10 * time.Second), Offset: 10 * time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	evs, n, err := s.Events(ctx, index.EventQuery{RecordingIDs: []int64{got.ID}})
	if err != nil || n != 1 || evs[0].Offset != 10*time.Second {
		t.Fatalf("events %+v, %d, %v", evs, n, err)
	}
}
