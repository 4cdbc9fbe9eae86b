package postgres

import (
	"context"
	"fmt"

	"github.com/rtmprecd/rtmprecd/index"
)

const (
	eventsFrom   = " FROM events e JOIN recordings r ON r.id = e.recording_id"
	selectEvents = `SELECT e.id, e.recording_id, r.path, r.stream_path, r.recorder, e.event_id, e.name, e.description,
	e.level, e.trigger_ms, e.offset_ms, e.before_ms, e.after_ms` + eventsFrom
)

// eventsWhere builds the filter of q; deleted recordings' events are
// left out.
func eventsWhere(q index.EventQuery) *filter {
	f := &filter{}
	f.add("r.status <> 'deleted'")
	if len(q.RecordingIDs) > 0 {
		f.add("e.recording_id = ANY(?)", q.RecordingIDs)
	}
	if q.StreamPath != "" {
		f.add("r.stream_path = ?", q.StreamPath)
	}
	if q.EventID != "" {
		f.add("e.event_id = ?", q.EventID)
	}
	if !q.Start.IsZero() {
		f.add("e.trigger_ms >= ?", q.Start.UnixMilli())
	}
	if !q.End.IsZero() {
		f.add("e.trigger_ms <= ?", q.End.UnixMilli())
	}
	return f
}

// Events returns q's events, newest trigger first, and their number.
func (s *Store) Events(ctx context.Context, q index.EventQuery) ([]index.Event, int, error) {
	f := eventsWhere(q)
	var total int
	if err := s.pool.QueryRow(ctx, "SELECT count(*)"+eventsFrom+f.where(), f.args...).Scan(&total); err != nil {
		return nil, 0, s.wrap("count events", err)
	}
	sql := selectEvents + f.where() + " ORDER BY e.trigger_ms DESC, e.id DESC"
	if q.Page > 0 && q.Size > 0 {
		sql += fmt.Sprintf(" LIMIT %d OFFSET %d", q.Size, (q.Page-1)*q.Size)
	}
	rows, err := s.pool.Query(ctx, sql, f.args...)
	if err != nil {
		return nil, 0, s.wrap("events", err)
	}
	defer rows.Close()
	var out []index.Event
	for rows.Next() {
		var e index.Event
		var trig, off, before, after int64
		if err := rows.Scan(&e.ID, &e.RecordingID, &e.Path, &e.StreamPath, &e.Recorder, &e.EventID, &e.Name, &e.Desc,
			&e.Level, &trig, &off, &before, &after); err != nil {
			return nil, 0, s.wrap("events", err)
		}
		e.Trigger = index.FromUnixMS(trig)
		e.Offset, e.Before, e.After = index.MSDuration(off), index.MSDuration(before), index.MSDuration(after)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.wrap("events", err)
	}
	return out, total, nil
}
