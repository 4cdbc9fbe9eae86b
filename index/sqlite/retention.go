package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/rtmprecd/rtmprecd/index"
)

var _ index.Retainer = (*Store)(nil)

// eventProtects is true when an event of the row's stream at or above
// the keep level (arg 1), that ended at or after the cutoff (arg 2, 0:
// never expires), overlaps the row. The loop runs over the events first
// (CROSS JOIN fixes SQLite's join order): a range of the events_trigger
// index, since before and after are at most a day, then each event's
// recording by id. Driven from the recordings of the stream instead, it
// read every row of the stream per candidate, which made a pass
// quadratic in the stream's rows.
var eventProtects = fmt.Sprintf(`EXISTS (SELECT 1 FROM events e CROSS JOIN recordings er ON er.id = e.recording_id
	WHERE e.trigger_ms BETWEEN r.start_ms - %[1]d AND r.end_ms + %[1]d
	AND e.trigger_ms - e.before_ms <= r.end_ms AND e.trigger_ms + e.after_ms >= r.start_ms
	AND er.stream_path = r.stream_path AND e.level >= ? AND (? = 0 OR e.trigger_ms + e.after_ms >= ?))`,
	index.MaxEventSpan.Milliseconds())

// Removable returns q's candidates, oldest start first.
func (s *Store) Removable(ctx context.Context, q index.RemovableQuery) ([]index.Recording, error) {
	sql, args := removableSQL(q)
	rows, err := s.db.QueryContext(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("index: removable %s/%s: %w", q.App, q.Recorder, err)
	}
	return scanAll(rows)
}

// removableSQL is q's query: a seek in the retention index past the
// cursor, the protections checked per row, LIMIT rows.
func removableSQL(q index.RemovableQuery) (string, []any) {
	conds := []string{"app = ?", "recorder = ?", "status IN ('done', 'failed')", "pinned = 0"}
	args := []any{q.App, q.Recorder}
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	if q.StreamPath != "" {
		add("stream_path = ?", q.StreamPath)
	}
	if q.After.ID != 0 {
		add("(start_ms, id) > (?, ?)", index.UnixMS(q.After.Start), q.After.ID)
	}
	if !q.EndedBefore.IsZero() {
		add("end_ms < ?", q.EndedBefore.UnixMilli())
	}
	cut := index.UnixMS(q.EventCutoff)
	// a kept event recording, and continuous footage a kept event overlaps
	add("NOT (event_id <> '' AND event_level >= ? AND (? = 0 OR end_ms >= ?))", q.KeepLevel, cut, cut)
	add("NOT (event_id = '' AND "+eventProtects+")", q.KeepLevel, cut, cut)
	sql := "SELECT id, " + columnList + " FROM recordings r WHERE " + strings.Join(conds, " AND ") +
		" ORDER BY start_ms, id LIMIT ?"
	return sql, append(args, max(q.Limit, 1))
}

// Usage sums a recorder's live rows per stream: the finished ones from
// the retention index, the few being recorded from the open-rows index.
func (s *Store) Usage(ctx context.Context, app, recorder string) (index.Usage, error) {
	var u index.Usage
	per := map[string]*index.StreamUsage{}
	var order []string
	for _, status := range []string{"status IN ('done', 'failed')", "status = 'recording'"} {
		rows, err := s.db.QueryContext(ctx, `SELECT stream_path, sum(size), count(*), min(start_ms) FROM recordings
			WHERE app = ? AND recorder = ? AND `+status+` GROUP BY stream_path`, app, recorder)
		if err != nil {
			return u, fmt.Errorf("index: usage %s/%s: %w", app, recorder, err)
		}
		for rows.Next() {
			var sp string
			var size, first int64
			var n int
			if err := rows.Scan(&sp, &size, &n, &first); err != nil {
				rows.Close()
				return u, fmt.Errorf("index: usage %s/%s: %w", app, recorder, err)
			}
			if per[sp] == nil {
				per[sp] = &index.StreamUsage{StreamPath: sp}
				order = append(order, sp)
			}
			per[sp].Bytes += size
			per[sp].Files += n
			u.Bytes += size
			u.Files += n
			if t := index.FromUnixMS(first); !t.IsZero() && (u.Oldest.IsZero() || t.Before(u.Oldest)) {
				u.Oldest = t
			}
		}
		if err := rows.Close(); err != nil {
			return u, err
		}
	}
	for _, sp := range order {
		u.Streams = append(u.Streams, *per[sp])
	}
	return u, nil
}

// Retire marks the rows in one transaction; a row no longer finished
// (reopened by an append, deleted by the API) is left as it is.
func (s *Store) Retire(ctx context.Context, rs []index.Retired) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: retire: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, "UPDATE recordings SET status = ?, removed_by = ?, updated_ms = ? WHERE id = ? AND status IN ('done', 'failed')")
	if err != nil {
		return fmt.Errorf("index: retire: %w", err)
	}
	defer st.Close()
	for _, r := range rs {
		if _, err := st.ExecContext(ctx, string(r.Status), r.Rule, index.UnixMS(r.Time), r.ID); err != nil {
			return fmt.Errorf("index: retire %d: %w", r.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: retire: %w", err)
	}
	return nil
}

// EventPins returns the continuous rows each event overlaps.
func (s *Store) EventPins(ctx context.Context, eventIDs []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(eventIDs) == 0 {
		return out, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(eventIDs)), ", ")
	args := make([]any, len(eventIDs))
	for i, id := range eventIDs {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, r.id FROM events e
		JOIN recordings er ON er.id = e.recording_id
		JOIN recordings r ON r.stream_path = er.stream_path AND r.start_ms <= e.trigger_ms + e.after_ms
			AND (r.end_ms >= e.trigger_ms - e.before_ms OR r.status = 'recording')
		WHERE e.id IN (`+ph+`) AND r.event_id = '' AND r.status NOT IN ('deleted', 'missing')
		ORDER BY e.id, r.start_ms, r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("index: event pins: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e, r int64
		if err := rows.Scan(&e, &r); err != nil {
			return nil, fmt.Errorf("index: event pins: %w", err)
		}
		out[e] = append(out[e], r)
	}
	return out, rows.Err()
}
