package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rtmprecd/rtmprecd/index"
)

var _ index.Retainer = (*Store)(nil)

// eventProtects is index/sqlite's: true when an event of the row's
// stream at or above the keep level (first ?), that ended at or after the
// cutoff (second and third ?, 0: never expires), overlaps the row. The
// events of every node count: an event pins its stream's footage
// wherever it was recorded. The trigger bounds let events_trigger serve
// it (before and after are at most a day).
var eventProtects = fmt.Sprintf(`EXISTS (SELECT 1 FROM events e JOIN recordings er ON er.id = e.recording_id
	WHERE e.trigger_ms BETWEEN r.start_ms - %[1]d AND r.end_ms + %[1]d
	AND e.trigger_ms - e.before_ms <= r.end_ms AND e.trigger_ms + e.after_ms >= r.start_ms
	AND er.stream_path = r.stream_path AND e.level >= ? AND (?::bigint = 0 OR e.trigger_ms + e.after_ms >= ?))`,
	index.MaxEventSpan.Milliseconds())

// Removable returns q's candidates among this node's rows, oldest start
// first: a node removes only the files on its own disks. Pins are
// global (a row's pinned column, whichever node set it).
func (s *Store) Removable(ctx context.Context, q index.RemovableQuery) ([]index.Recording, error) {
	sql, args := s.removableSQL(q)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, s.wrap(fmt.Sprintf("removable %s/%s", q.App, q.Recorder), err)
	}
	out, err := scanAll(rows)
	if err != nil {
		return nil, s.wrap(fmt.Sprintf("removable %s/%s", q.App, q.Recorder), err)
	}
	return out, nil
}

// removableSQL is q's query: a seek in the retention index past the
// cursor, the protections checked per row, LIMIT rows.
func (s *Store) removableSQL(q index.RemovableQuery) (string, []any) {
	f := &filter{}
	f.add("node = ?", s.node)
	f.add("app = ?", q.App)
	f.add("recorder = ?", q.Recorder)
	f.add("status IN ('done', 'failed')")
	f.add("NOT pinned")
	if q.StreamPath != "" {
		f.add("stream_path = ?", q.StreamPath)
	}
	if q.After.ID != 0 {
		f.add("(start_ms, id) > (?, ?)", index.UnixMS(q.After.Start), q.After.ID)
	}
	if !q.EndedBefore.IsZero() {
		f.add("end_ms < ?", q.EndedBefore.UnixMilli())
	}
	cut := index.UnixMS(q.EventCutoff)
	f.add("NOT (event_id <> '' AND event_level >= ? AND (?::bigint = 0 OR end_ms >= ?))", q.KeepLevel, cut, cut)
	f.add("NOT (event_id = '' AND "+eventProtects+")", q.KeepLevel, cut, cut)
	f.args = append(f.args, int64(max(q.Limit, 1)))
	sql := "SELECT id, " + columnList + " FROM recordings r" + f.where() +
		fmt.Sprintf(" ORDER BY start_ms, id LIMIT $%d", len(f.args))
	return sql, f.args
}

// Usage sums this node's live rows of a recorder per stream.
func (s *Store) Usage(ctx context.Context, app, recorder string) (index.Usage, error) {
	var u index.Usage
	rows, err := s.pool.Query(ctx, `SELECT stream_path, sum(size), count(*), min(start_ms) FROM recordings
		WHERE node = $1 AND app = $2 AND recorder = $3 AND status IN ('recording', 'done', 'failed')
		GROUP BY stream_path ORDER BY min(start_ms), stream_path`, s.node, app, recorder)
	if err != nil {
		return u, s.wrap(fmt.Sprintf("usage %s/%s", app, recorder), err)
	}
	defer rows.Close()
	for rows.Next() {
		var su index.StreamUsage
		var first int64
		if err := rows.Scan(&su.StreamPath, &su.Bytes, &su.Files, &first); err != nil {
			return u, s.wrap(fmt.Sprintf("usage %s/%s", app, recorder), err)
		}
		u.Streams = append(u.Streams, su)
		u.Bytes += su.Bytes
		u.Files += su.Files
		if t := index.FromUnixMS(first); !t.IsZero() && (u.Oldest.IsZero() || t.Before(u.Oldest)) {
			u.Oldest = t
		}
	}
	if err := rows.Err(); err != nil {
		return u, s.wrap(fmt.Sprintf("usage %s/%s", app, recorder), err)
	}
	return u, nil
}

// Retire marks this node's rows in one transaction (one pipeline); a row
// no longer finished (reopened by an append, deleted by the API) is left
// as it is.
func (s *Store) Retire(ctx context.Context, rs []index.Retired) error {
	if len(rs) == 0 {
		return nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.wrap("retire", err)
	}
	defer tx.Rollback(context.Background())
	pb := &pgx.Batch{}
	for _, r := range rs {
		pb.Queue(`UPDATE recordings SET status = $1, removed_by = $2, updated_ms = $3
			WHERE id = $4 AND node = $5 AND status IN ('done', 'failed')`, string(r.Status), r.Rule, index.UnixMS(r.Time), r.ID, s.node)
	}
	if err := tx.SendBatch(ctx, pb).Close(); err != nil {
		return s.wrap("retire", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return s.wrap("retire", err)
	}
	return nil
}

// EventPins returns the rows without event fields, of any node, that
// each event overlaps.
func (s *Store) EventPins(ctx context.Context, eventIDs []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(eventIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT e.id, r.id FROM events e
		JOIN recordings er ON er.id = e.recording_id
		JOIN recordings r ON r.stream_path = er.stream_path AND r.start_ms <= e.trigger_ms + e.after_ms
			AND (r.end_ms >= e.trigger_ms - e.before_ms OR r.status = 'recording')
		WHERE e.id = ANY($1) AND r.event_id = '' AND r.status NOT IN ('deleted', 'missing')
		ORDER BY e.id, r.start_ms, r.id`, eventIDs)
	if err != nil {
		return nil, s.wrap("event pins", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e, r int64
		if err := rows.Scan(&e, &r); err != nil {
			return nil, s.wrap("event pins", err)
		}
		out[e] = append(out[e], r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("event pins", err)
	}
	return out, nil
}
