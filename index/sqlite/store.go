// Package sqlite is the embedded index.Store: one SQLite file through
// modernc.org/sqlite (pure Go, so the binary stays static), in WAL mode so
// the API reads while the writer writes, with a busy timeout and
// versioned migrations run at Open.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/rtmprecd/rtmprecd/index"
)

// BusyTimeout is how long a statement waits for another connection's
// lock (milliseconds) before it fails with SQLITE_BUSY.
const BusyTimeout = 5000

// Store is an index.Store in one SQLite file.
type Store struct {
	db   *sql.DB
	path string
}

var _ index.Store = (*Store)(nil)

// Open opens (creating it if needed) the database at path, checks its
// integrity and migrates it to SchemaVersion. A damaged file is an error
// wrapping index.ErrCorrupt that names it.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := openDB(path, false)
	if err != nil {
		return nil, err
	}
	if err := check(ctx, db, path); err != nil {
		db.Close()
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("record_index %s: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// Check verifies, without changing anything, that the database at path
// can be used: absent (it will be created) or readable, intact and not
// newer than this build. rtmprecd -t calls it.
func Check(ctx context.Context, path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		dir := filepath.Dir(path)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("record_index %s: directory %s does not exist", path, dir)
		}
		return nil
	}
	db, err := openDB(path, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := check(ctx, db, path); err != nil {
		return err
	}
	v, err := version(ctx, db)
	if err != nil {
		return fmt.Errorf("record_index %s: %w", path, err)
	}
	if v > SchemaVersion {
		return fmt.Errorf("record_index %s: schema version %d is newer than this build's %d", path, v, SchemaVersion)
	}
	return nil
}

func openDB(path string, readOnly bool) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("record_index %s: %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout))
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
	}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("record_index %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	return db, nil
}

// check runs SQLite's quick integrity check.
func check(ctx context.Context, db *sql.DB, path string) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return corrupt(path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return corrupt(path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return corrupt(path, err)
	}
	if len(problems) > 0 {
		return corrupt(path, errors.New(strings.Join(problems, "; ")))
	}
	return nil
}

// corrupt explains a database that cannot be read, and the way out.
func corrupt(path string, err error) error {
	if strings.Contains(err.Error(), "unable to open") || errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("record_index %s: %w", path, err)
	}
	return fmt.Errorf("record_index %s: %w (%v); move it away and run `rtmprecd index rebuild -c CONF` to recreate it from the recordings",
		path, index.ErrCorrupt, err)
}

// Path returns the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// String names the database: its file.
func (s *Store) String() string { return s.path }
