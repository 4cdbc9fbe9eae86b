package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema versions in order: migrations[i] takes the
// database from version i to i+1 (PRAGMA user_version). Append only: a
// released step is never edited, so every database reaches the same
// schema whatever version it started from.
var migrations = []string{
	`CREATE TABLE recordings (
		id           INTEGER PRIMARY KEY AUTOINCREMENT,
		stream_path  TEXT    NOT NULL,
		app          TEXT    NOT NULL,
		name         TEXT    NOT NULL,
		recorder     TEXT    NOT NULL DEFAULT '',
		format       TEXT    NOT NULL,
		path         TEXT    NOT NULL,
		status       TEXT    NOT NULL,
		start_ms     INTEGER NOT NULL,
		end_ms       INTEGER NOT NULL DEFAULT 0,
		duration_ms  INTEGER NOT NULL DEFAULT 0,
		size         INTEGER NOT NULL DEFAULT 0,
		video_frames INTEGER NOT NULL DEFAULT 0,
		audio_frames INTEGER NOT NULL DEFAULT 0,
		keyframes    INTEGER NOT NULL DEFAULT 0,
		video_codec  TEXT    NOT NULL DEFAULT '',
		width        INTEGER NOT NULL DEFAULT 0,
		height       INTEGER NOT NULL DEFAULT 0,
		frame_rate   REAL    NOT NULL DEFAULT 0,
		audio_codec  TEXT    NOT NULL DEFAULT '',
		sample_rate  INTEGER NOT NULL DEFAULT 0,
		channels     INTEGER NOT NULL DEFAULT 0,
		reason       TEXT    NOT NULL DEFAULT '',
		error        TEXT    NOT NULL DEFAULT '',
		pinned       INTEGER NOT NULL DEFAULT 0,
		event_id     TEXT    NOT NULL DEFAULT '',
		event_name   TEXT    NOT NULL DEFAULT '',
		event_desc   TEXT    NOT NULL DEFAULT '',
		event_level  INTEGER NOT NULL DEFAULT 0,
		updated_ms   INTEGER NOT NULL DEFAULT 0
	);
	-- one live row per file; deleted and missing rows stay as history
	CREATE UNIQUE INDEX recordings_live_path ON recordings(path) WHERE status NOT IN ('deleted', 'missing');
	-- list: a stream's recordings by time, newest first
	CREATE INDEX recordings_stream_start ON recordings(stream_path, start_ms);
	-- reconciliation: the rows a crash left open
	CREATE INDEX recordings_open ON recordings(status) WHERE status = 'recording';`,
	// 2: events recorded into files (record ... event), one row per
	// event and file
	`CREATE TABLE events (
		id           INTEGER PRIMARY KEY AUTOINCREMENT,
		recording_id INTEGER NOT NULL, -- recordings.id (no foreign key: Put replaces rows in place)
		event_id     TEXT    NOT NULL DEFAULT '',
		name         TEXT    NOT NULL DEFAULT '',
		description  TEXT    NOT NULL DEFAULT '',
		level        INTEGER NOT NULL DEFAULT 0,
		trigger_ms   INTEGER NOT NULL,
		offset_ms    INTEGER NOT NULL DEFAULT 0,
		before_ms    INTEGER NOT NULL DEFAULT 0,
		after_ms     INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX events_recording ON events(recording_id);
	CREATE INDEX events_trigger ON events(trigger_ms);`,
	// 3: retention. The rule that removed a row; the oldest finished
	// rows of a recorder (and of each of its streams) in (start, id)
	// order, the keyset a pass pages by, with their sizes, so a pass
	// reads candidates and totals from an index, never the whole table or
	// the disk.
	`ALTER TABLE recordings ADD COLUMN removed_by TEXT NOT NULL DEFAULT '';
	CREATE INDEX recordings_retention ON recordings(app, recorder, start_ms, id, size) WHERE status IN ('done', 'failed');
	CREATE INDEX recordings_retention_stream ON recordings(app, recorder, stream_path, start_ms, id, size) WHERE status IN ('done', 'failed');`,
}

// SchemaVersion is the version this build migrates to.
var SchemaVersion = len(migrations)

// migrate runs the steps the database lacks, each in its own
// transaction with its version bump.
func migrate(ctx context.Context, db *sql.DB) error {
	v, err := version(ctx, db)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this build's %d: use a newer rtmprecd or another record_index", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		if err := step(ctx, db, v); err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", v+1, err)
		}
	}
	return nil
}

func step(ctx context.Context, db *sql.DB, v int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return err
	}
	return tx.Commit()
}

func version(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
