package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/rtmprecd/rtmprecd/index"
)

const selectEvents = `SELECT e.id, e.recording_id, r.path, r.stream_path, r.recorder, e.event_id, e.name, e.description,
	e.level, e.trigger_ms, e.offset_ms, e.before_ms, e.after_ms
	FROM events e JOIN recordings r ON r.id = e.recording_id`

// eventsWhere builds the filter of q; deleted recordings' events are
// left out.
func eventsWhere(q index.EventQuery) (string, []any) {
	conds := []string{"r.status <> 'deleted'"}
	var args []any
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	if len(q.RecordingIDs) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(q.RecordingIDs)), ", ")
		conds = append(conds, "e.recording_id IN ("+ph+")")
		for _, id := range q.RecordingIDs {
			args = append(args, id)
		}
	}
	if q.StreamPath != "" {
		add("r.stream_path = ?", q.StreamPath)
	}
	if q.EventID != "" {
		add("e.event_id = ?", q.EventID)
	}
	if !q.Start.IsZero() {
		add("e.trigger_ms >= ?", q.Start.UnixMilli())
	}
	if !q.End.IsZero() {
		add("e.trigger_ms <= ?", q.End.UnixMilli())
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Events returns q's events, newest trigger first, and their number.
func (s *Store) Events(ctx context.Context, q index.EventQuery) ([]index.Event, int, error) {
	w, args := eventsWhere(q)
	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM events e JOIN recordings r ON r.id = e.recording_id"+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("index: count events: %w", err)
	}
	sql := selectEvents + w + " ORDER BY e.trigger_ms DESC, e.id DESC"
	if q.Page > 0 && q.Size > 0 {
		sql += fmt.Sprintf(" LIMIT %d OFFSET %d", q.Size, (q.Page-1)*q.Size)
	}
	rows, err := s.db.QueryContext(ctx, sql, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("index: events: %w", err)
	}
	defer rows.Close()
	var out []index.Event
	for rows.Next() {
		var e index.Event
		var trig, off, before, after int64
		if err := rows.Scan(&e.ID, &e.RecordingID, &e.Path, &e.StreamPath, &e.Recorder, &e.EventID, &e.Name, &e.Desc,
			&e.Level, &trig, &off, &before, &after); err != nil {
			return nil, 0, fmt.Errorf("index: events: %w", err)
		}
		e.Trigger = index.FromUnixMS(trig)
		e.Offset, e.Before, e.After = index.MSDuration(off), index.MSDuration(before), index.MSDuration(after)
		out = append(out, e)
	}
	return out, total, rows.Err()
}
