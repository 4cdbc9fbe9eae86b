package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// Get returns the row id.
func (s *Store) Get(ctx context.Context, id int64) (index.Recording, error) {
	r, err := scan(s.db.QueryRowContext(ctx, selectRow+" WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("recording %d: %w", id, index.ErrNotFound)
	}
	return r, err
}

// Live returns the live row of path.
func (s *Store) Live(ctx context.Context, path string) (index.Recording, error) {
	r, err := scan(s.db.QueryRowContext(ctx, selectRow+" WHERE path = ? AND status NOT IN ('deleted', 'missing')", path))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("recording %s: %w", path, index.ErrNotFound)
	}
	return r, err
}

// where builds the filter of q. The stream and start bounds come first
// so that the (stream_path, start_ms) index serves them.
func where(q index.Query) (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	if q.StreamPath != "" {
		add("stream_path = ?", q.StreamPath)
	}
	if !q.End.IsZero() {
		add("start_ms <= ?", q.End.UnixMilli())
	}
	if !q.Start.IsZero() {
		add("(end_ms >= ? OR status = 'recording')", q.Start.UnixMilli())
	}
	if q.Format != "" {
		add("format = ?", q.Format)
	}
	if q.Recorder != nil {
		add("recorder = ?", *q.Recorder)
	}
	if q.Status != "" {
		add("status = ?", string(q.Status))
	} else {
		add("status <> 'deleted'")
	}
	if q.EventOnly {
		add("event_id <> ''")
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List returns q's page, newest first, and the total.
func (s *Store) List(ctx context.Context, q index.Query) ([]index.Recording, int, error) {
	w, args := where(q)
	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM recordings"+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("index: count: %w", err)
	}
	size, page := max(q.Size, 1), max(q.Page, 1)
	rows, err := s.db.QueryContext(ctx, selectRow+w+" ORDER BY start_ms DESC, id DESC LIMIT ? OFFSET ?",
		append(args, size, (page-1)*size)...)
	if err != nil {
		return nil, 0, fmt.Errorf("index: list: %w", err)
	}
	out, err := scanAll(rows)
	return out, total, err
}

// Plan returns SQLite's query plan of List's page query for q, one
// step per line, to show which index serves it.
func (s *Store) Plan(ctx context.Context, q index.Query) (string, error) {
	w, args := where(q)
	rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+selectRow+w+" ORDER BY start_ms DESC, id DESC LIMIT 10", args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		b.WriteString(detail + "\n")
	}
	return b.String(), rows.Err()
}

// Catalog sums every stream's rows that are not deleted.
func (s *Store) Catalog(ctx context.Context) ([]index.Stream, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT stream_path, count(*), sum(size), sum(duration_ms),
		min(start_ms), max(start_ms), group_concat(DISTINCT format)
		FROM recordings WHERE status <> 'deleted' GROUP BY stream_path ORDER BY stream_path`)
	if err != nil {
		return nil, fmt.Errorf("index: catalog: %w", err)
	}
	defer rows.Close()
	var out []index.Stream
	for rows.Next() {
		var st index.Stream
		var dur, first, last int64
		var formats string
		if err := rows.Scan(&st.StreamPath, &st.Count, &st.Size, &dur, &first, &last, &formats); err != nil {
			return nil, err
		}
		st.Duration = time.Duration(dur) * time.Millisecond
		st.FirstStart, st.LastStart = index.FromUnixMS(first), index.FromUnixMS(last)
		st.Formats = strings.Split(formats, ",")
		slices.Sort(st.Formats)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.countEvents(ctx, out)
}

// countEvents sets the catalog's event counts, in a query that costs
// what the events table holds, not what recordings does.
func (s *Store) countEvents(ctx context.Context, cat []index.Stream) error {
	rows, err := s.db.QueryContext(ctx, `SELECT r.stream_path, count(*) FROM events e JOIN recordings r ON r.id = e.recording_id
		WHERE r.status <> 'deleted' GROUP BY r.stream_path`)
	if err != nil {
		return fmt.Errorf("index: catalog events: %w", err)
	}
	defer rows.Close()
	n := map[string]int{}
	for rows.Next() {
		var sp string
		var c int
		if err := rows.Scan(&sp, &c); err != nil {
			return err
		}
		n[sp] = c
	}
	for i := range cat {
		cat[i].Events = n[cat[i].StreamPath]
	}
	return rows.Err()
}
