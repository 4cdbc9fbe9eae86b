package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/storetest"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), ".index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) index.Store { return openTemp(t) })
}

func TestOpenUsesWALAndBusyTimeoutAndLatestSchema(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	var mode string
	var busy, v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	s.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy)
	s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	if mode != "wal" || busy != BusyTimeout || v != SchemaVersion {
		t.Fatalf("journal_mode %q busy_timeout %d user_version %d", mode, busy, v)
	}
}

func TestMigrationsAreIdempotentAcrossOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "i.db")
	for range 2 {
		s, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	s := openTemp(t)
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), s.path)
	if err == nil || !strings.Contains(err.Error(), "schema version 99 is newer") {
		t.Fatalf("got %v", err)
	}
	if err := Check(context.Background(), s.path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("check: %v", err)
	}
}

func TestCorruptDatabaseIsReportedAtOpenAndCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		mess func(t *testing.T, path string)
	}{
		{"garbage", func(t *testing.T, path string) {
			os.WriteFile(path, []byte(strings.Repeat("not a database ", 512)), 0o644)
		}},
		{"damaged pages", func(t *testing.T, path string) { smashPages(t, path) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "i.db")
			tc.mess(t, path)
			_, err := Open(context.Background(), path)
			if !errors.Is(err, index.ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "index rebuild") {
				t.Fatalf("open: %v", err)
			}
			if err := Check(context.Background(), path); !errors.Is(err, index.ErrCorrupt) {
				t.Fatalf("check: %v", err)
			}
		})
	}
}

// smashPages writes a database with rows, then overwrites its pages
// after the first (keeping the header valid) with garbage.
func smashPages(t *testing.T, path string) {
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var cs []index.Change
	for i := range 500 {
		r := storetest.Row("live", "cam", filepath.Join("/rec", strings.Repeat("x", 100)+string(rune('a'+i%26))+strings.Repeat("y", i%7)+"-"+itoa(i)), t0)
		cs = append(cs, index.Change{Kind: index.Closed, Row: r})
	}
	if err := s.Apply(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	s.Close()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 8192 {
		t.Fatalf("database %d bytes: %v", len(b), err)
	}
	for i := 4096; i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	os.WriteFile(path, b, 0o644)
}

func TestCheckAcceptsAnAbsentDatabaseInAnExistingDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := Check(context.Background(), filepath.Join(dir, "i.db")); err != nil {
		t.Fatal(err)
	}
	if err := Check(context.Background(), filepath.Join(dir, "nope", "i.db")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("got %v", err)
	}
}
