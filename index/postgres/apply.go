package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rtmprecd/rtmprecd/index"
)

var errNoRows = pgx.ErrNoRows

// liveConflict is the target of the partial unique index on a node's
// live paths.
const liveConflict = " ON CONFLICT (node, path) WHERE status NOT IN ('deleted', 'missing') DO "

// live selects a node's live row of a path ($1 node, $2 path).
const live = "node = $1 AND path = $2 AND status NOT IN ('deleted', 'missing')"

var (
	// An Opened for a file that has a live row is an append: the row
	// is recording again and keeps its start.
	openSQL = insertRow + liveConflict +
		"UPDATE SET status = 'recording', end_ms = 0, reason = '', error = '', updated_ms = excluded.updated_ms"
	progressSQL = "UPDATE recordings SET size = $3, duration_ms = $4, video_frames = $5, audio_frames = $6, updated_ms = $7 " +
		"WHERE node = $1 AND path = $2 AND status = 'recording'"
	// A Closed carries every figure; pins and event fields set since the
	// open stay, and so does the start of an appended file.
	closeSQL = insertRow + liveConflict +
		`UPDATE SET status = excluded.status, start_ms = least(recordings.start_ms, excluded.start_ms), end_ms = excluded.end_ms,
		duration_ms = excluded.duration_ms, size = excluded.size, video_frames = excluded.video_frames,
		audio_frames = excluded.audio_frames, keyframes = excluded.keyframes, video_codec = excluded.video_codec,
		width = excluded.width, height = excluded.height, frame_rate = excluded.frame_rate,
		audio_codec = excluded.audio_codec, sample_rate = excluded.sample_rate, channels = excluded.channels,
		reason = excluded.reason, error = excluded.error, updated_ms = excluded.updated_ms`
	discardSQL = "DELETE FROM recordings WHERE node = $1 AND path = $2 AND status = 'recording'"

	// An event for a file without a live row (its Opened was dropped)
	// creates the row as an Opened would.
	eventRowSQL = insertRow + liveConflict + "NOTHING"
	eventSQL    = `INSERT INTO events (recording_id, event_id, name, description, level, trigger_ms, offset_ms, before_ms, after_ms)
		SELECT id, $3, $4, $5, $6, $7, $8, $9, $10 FROM recordings WHERE ` + live
	// the first event of a row names the row (the list's eventOnly)
	eventFieldsSQL = `UPDATE recordings SET event_id = $3, event_name = $4, event_desc = $5, event_level = $6
		WHERE ` + live + ` AND event_id = ''`
)

// Apply makes the batch's changes, on this node's rows, in one
// transaction. The statements go in one pipeline (pgx.Batch): one round
// trip to the server for the whole batch, not one per statement.
func (s *Store) Apply(ctx context.Context, batch []index.Change) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.wrap("begin", err)
	}
	defer tx.Rollback(context.Background())
	var pb pgx.Batch
	owner := make([]int, 0, len(batch)) // the change of each statement
	for i := range batch {
		n := pb.Len()
		if err := s.queue(&pb, &batch[i]); err != nil {
			return fmt.Errorf("index: %s %s: %w", batch[i].Kind, batch[i].Row.Path, err)
		}
		for range pb.Len() - n {
			owner = append(owner, i)
		}
	}
	br := tx.SendBatch(ctx, &pb)
	for _, i := range owner {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return s.wrap(fmt.Sprintf("%s %s", batch[i].Kind, batch[i].Row.Path), err)
		}
	}
	if err := br.Close(); err != nil {
		return s.wrap("batch", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return s.wrap("commit", err)
	}
	return nil
}

// queue adds the statements of c to pb.
func (s *Store) queue(pb *pgx.Batch, c *index.Change) error {
	r := &c.Row
	r.Node = s.node
	switch c.Kind {
	case index.Opened:
		r.Status = index.StatusRecording
		pb.Queue(openSQL, values(r)...)
	case index.Progress:
		pb.Queue(progressSQL, s.node, r.Path, r.Size, r.Duration.Milliseconds(), r.VideoFrames, r.AudioFrames, index.UnixMS(r.Updated))
	case index.Closed:
		pb.Queue(closeSQL, values(r)...)
	case index.Discarded:
		pb.Queue(discardSQL, s.node, r.Path)
	case index.EventMarked:
		return s.queueEvent(pb, c)
	default:
		return fmt.Errorf("unknown change kind %d", c.Kind)
	}
	return nil
}

func (s *Store) queueEvent(pb *pgx.Batch, c *index.Change) error {
	e := c.Event
	if e == nil {
		return fmt.Errorf("event change without its event")
	}
	r := &c.Row
	if r.Status == "" {
		r.Status = index.StatusRecording
	}
	pb.Queue(eventRowSQL, values(r)...)
	pb.Queue(eventSQL, s.node, r.Path, e.EventID, e.Name, e.Desc, e.Level, index.UnixMS(e.Trigger),
		e.Offset.Milliseconds(), e.Before.Milliseconds(), e.After.Milliseconds())
	pb.Queue(eventFieldsSQL, s.node, r.Path, e.EventID, e.Name, e.Desc, e.Level)
	return nil
}

// Put inserts r (r.ID == 0, which sets r.ID; a row without a node is
// this node's) or replaces the row r.ID.
func (s *Store) Put(ctx context.Context, r *index.Recording) error {
	if r.Node == "" {
		r.Node = s.node
	}
	if r.ID == 0 {
		err := s.pool.QueryRow(ctx, insertRow+" RETURNING id", values(r)...).Scan(&r.ID)
		if err != nil {
			return s.wrap("insert "+r.Path, err)
		}
		return nil
	}
	tag, err := s.pool.Exec(ctx, "UPDATE recordings SET ("+columnList+") = ROW("+params(2, len(columns))+") WHERE id = $1",
		append([]any{r.ID}, values(r)...)...)
	if err != nil {
		return s.wrap(fmt.Sprintf("update %d", r.ID), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("index: update %d: %w", r.ID, index.ErrNotFound)
	}
	return nil
}

// Mark sets row id's pin and/or status, whichever node wrote it: pins
// are global.
func (s *Store) Mark(ctx context.Context, id int64, m index.Mark) (index.Recording, error) {
	r, err := scan(s.pool.QueryRow(ctx, `UPDATE recordings SET pinned = coalesce($1::boolean, pinned),
		status = coalesce(nullif($2, ''), status), updated_ms = $3 WHERE id = $4 RETURNING id, `+columnList,
		m.Pinned, string(m.Status), index.UnixMS(m.Updated), id))
	if err == errNoRows {
		return r, fmt.Errorf("recording %d: %w", id, index.ErrNotFound)
	}
	if err != nil {
		return r, s.wrap(fmt.Sprintf("mark %d", id), err)
	}
	return r, nil
}
