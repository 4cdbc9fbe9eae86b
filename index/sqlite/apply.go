package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/rtmprecd/rtmprecd/index"
)

// liveConflict is the target of the partial unique index on live paths.
const liveConflict = " ON CONFLICT(path) WHERE status NOT IN ('deleted', 'missing') DO UPDATE SET "

var (
	// An Opened for a file that has a live row is an append: the row
	// is recording again and keeps its start.
	openSQL = "INSERT INTO recordings (" + columnList + ") VALUES (" + placeholders + ")" + liveConflict +
		"status = 'recording', end_ms = 0, reason = '', error = '', updated_ms = excluded.updated_ms"
	progressSQL = "UPDATE recordings SET size = ?, duration_ms = ?, video_frames = ?, audio_frames = ?, updated_ms = ? " +
		"WHERE path = ? AND status = 'recording'"
	// A Closed carries every figure; pins and event fields set since the
	// open stay, and so does the start of an appended file.
	closeSQL = "INSERT INTO recordings (" + columnList + ") VALUES (" + placeholders + ")" + liveConflict +
		`status = excluded.status, start_ms = min(start_ms, excluded.start_ms), end_ms = excluded.end_ms,
		duration_ms = excluded.duration_ms, size = excluded.size, video_frames = excluded.video_frames,
		audio_frames = excluded.audio_frames, keyframes = excluded.keyframes, video_codec = excluded.video_codec,
		width = excluded.width, height = excluded.height, frame_rate = excluded.frame_rate,
		audio_codec = excluded.audio_codec, sample_rate = excluded.sample_rate, channels = excluded.channels,
		reason = excluded.reason, error = excluded.error, updated_ms = excluded.updated_ms`
	discardSQL = "DELETE FROM recordings WHERE path = ? AND status = 'recording'"
)

// Apply makes the batch's changes in one transaction.
func (s *Store) Apply(ctx context.Context, batch []index.Change) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: begin: %w", err)
	}
	defer tx.Rollback()
	for i := range batch {
		if err := applyOne(ctx, tx, &batch[i]); err != nil {
			return fmt.Errorf("index: %s %s: %w", batch[i].Kind, batch[i].Row.Path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: commit: %w", err)
	}
	return nil
}

func applyOne(ctx context.Context, tx *sql.Tx, c *index.Change) error {
	r := &c.Row
	var err error
	switch c.Kind {
	case index.Opened:
		r.Status = index.StatusRecording
		_, err = tx.ExecContext(ctx, openSQL, values(r)...)
	case index.Progress:
		_, err = tx.ExecContext(ctx, progressSQL, r.Size, r.Duration.Milliseconds(), r.VideoFrames, r.AudioFrames, index.UnixMS(r.Updated), r.Path)
	case index.Closed:
		_, err = tx.ExecContext(ctx, closeSQL, values(r)...)
	case index.Discarded:
		_, err = tx.ExecContext(ctx, discardSQL, r.Path)
	case index.EventMarked:
		err = applyEvent(ctx, tx, c)
	default:
		err = fmt.Errorf("unknown change kind %d", c.Kind)
	}
	return err
}

// Put inserts r (r.ID == 0, which sets r.ID) or replaces the row r.ID.
func (s *Store) Put(ctx context.Context, r *index.Recording) error {
	if r.ID == 0 {
		res, err := s.db.ExecContext(ctx, "INSERT INTO recordings ("+columnList+") VALUES ("+placeholders+")", values(r)...)
		if err != nil {
			return fmt.Errorf("index: insert %s: %w", r.Path, err)
		}
		r.ID, err = res.LastInsertId()
		return err
	}
	args := append([]any{r.ID}, values(r)...)
	res, err := s.db.ExecContext(ctx, "REPLACE INTO recordings (id, "+columnList+") VALUES (?, "+placeholders+")", args...)
	if err != nil {
		return fmt.Errorf("index: update %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("index: update %d: %w", r.ID, index.ErrNotFound)
	}
	return nil
}

// Mark sets row id's pin and/or status.
func (s *Store) Mark(ctx context.Context, id int64, m index.Mark) (index.Recording, error) {
	var pinned any
	if m.Pinned != nil {
		pinned = *m.Pinned
	}
	res, err := s.db.ExecContext(ctx, "UPDATE recordings SET pinned = coalesce(?, pinned), status = coalesce(nullif(?, ''), status), updated_ms = ? WHERE id = ?",
		pinned, string(m.Status), index.UnixMS(m.Updated), id)
	if err != nil {
		return index.Recording{}, fmt.Errorf("index: mark %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return index.Recording{}, fmt.Errorf("recording %d: %w", id, index.ErrNotFound)
	}
	return s.Get(ctx, id)
}

var (
	// An event for a file without a live row (its Opened was dropped)
	// creates the row as an Opened would.
	eventRowSQL = "INSERT INTO recordings (" + columnList + ") VALUES (" + placeholders + ")" +
		" ON CONFLICT(path) WHERE status NOT IN ('deleted', 'missing') DO NOTHING"
	eventSQL = `INSERT INTO events (recording_id, event_id, name, description, level, trigger_ms, offset_ms, before_ms, after_ms)
		SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM recordings WHERE path = ? AND status NOT IN ('deleted', 'missing')`
	// the first event of a row names the row (the list's eventOnly)
	eventFieldsSQL = `UPDATE recordings SET event_id = ?, event_name = ?, event_desc = ?, event_level = ?
		WHERE path = ? AND status NOT IN ('deleted', 'missing') AND event_id = ''`
)

func applyEvent(ctx context.Context, tx *sql.Tx, c *index.Change) error {
	e := c.Event
	if e == nil {
		return fmt.Errorf("event change without its event")
	}
	r := &c.Row
	if r.Status == "" {
		r.Status = index.StatusRecording
	}
	if _, err := tx.ExecContext(ctx, eventRowSQL, values(r)...); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, eventSQL, e.EventID, e.Name, e.Desc, e.Level, index.UnixMS(e.Trigger),
		e.Offset.Milliseconds(), e.Before.Milliseconds(), e.After.Milliseconds(), r.Path); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, eventFieldsSQL, e.EventID, e.Name, e.Desc, e.Level, r.Path)
	return err
}
