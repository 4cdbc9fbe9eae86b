package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rtmprecd/rtmprecd/index"
)

// Get returns the row id, whichever node wrote it.
func (s *Store) Get(ctx context.Context, id int64) (index.Recording, error) {
	r, err := scan(s.pool.QueryRow(ctx, selectRow+" WHERE id = $1", id))
	if errors.Is(err, errNoRows) {
		return r, fmt.Errorf("recording %d: %w", id, index.ErrNotFound)
	}
	if err != nil {
		return r, s.wrap(fmt.Sprintf("get %d", id), err)
	}
	return r, nil
}

// Live returns this node's live row of path.
func (s *Store) Live(ctx context.Context, path string) (index.Recording, error) {
	r, err := scan(s.pool.QueryRow(ctx, selectRow+" WHERE "+live, s.node, path))
	if errors.Is(err, errNoRows) {
		return r, fmt.Errorf("recording %s: %w", path, index.ErrNotFound)
	}
	if err != nil {
		return r, s.wrap("live "+path, err)
	}
	return r, nil
}

// filter builds a WHERE clause with numbered parameters.
type filter struct {
	conds []string
	args  []any
}

// add appends cond, whose "?" are the parameters a, numbered in turn.
func (f *filter) add(cond string, a ...any) {
	for _, v := range a {
		f.args = append(f.args, v)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(f.args)), 1)
	}
	f.conds = append(f.conds, cond)
}

func (f *filter) where() string { return " WHERE " + strings.Join(f.conds, " AND ") }

// where is q's filter, as index/sqlite's, plus the node.
func where(q index.Query) *filter {
	f := &filter{}
	if q.StreamPath != "" {
		f.add("stream_path = ?", q.StreamPath)
	}
	if !q.End.IsZero() {
		f.add("start_ms <= ?", q.End.UnixMilli())
	}
	if !q.Start.IsZero() {
		f.add("(end_ms >= ? OR status = 'recording')", q.Start.UnixMilli())
	}
	if q.Node != "" {
		f.add("node = ?", q.Node)
	}
	if q.Format != "" {
		f.add("format = ?", q.Format)
	}
	if q.Recorder != nil {
		f.add("recorder = ?", *q.Recorder)
	}
	if q.Status != "" {
		f.add("status = ?", string(q.Status))
	} else {
		f.add("status <> 'deleted'")
	}
	if q.EventOnly {
		f.add("event_id <> ''")
	}
	return f
}

// List returns q's page, newest first, and the total, of every node's
// rows unless q names a node.
func (s *Store) List(ctx context.Context, q index.Query) ([]index.Recording, int, error) {
	f := where(q)
	var total int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM recordings"+f.where(), f.args...).Scan(&total); err != nil {
		return nil, 0, s.wrap("count", err)
	}
	size, page := max(q.Size, 1), max(q.Page, 1)
	n := len(f.args)
	rows, err := s.pool.Query(ctx, selectRow+f.where()+fmt.Sprintf(" ORDER BY start_ms DESC, id DESC LIMIT $%d OFFSET $%d", n+1, n+2),
		append(f.args, size, (page-1)*size)...)
	if err != nil {
		return nil, 0, s.wrap("list", err)
	}
	out, err := scanAll(rows)
	if err != nil {
		return nil, 0, s.wrap("list", err)
	}
	return out, total, nil
}

// Catalog sums every stream's rows that are not deleted, all nodes
// together: a stream that moved between nodes is one line.
func (s *Store) Catalog(ctx context.Context) ([]index.Stream, error) {
	rows, err := s.pool.Query(ctx, `SELECT stream_path, count(*), sum(size)::bigint, sum(duration_ms)::bigint,
		min(start_ms), max(start_ms), string_agg(DISTINCT format, ',')
		FROM recordings WHERE status <> 'deleted' GROUP BY stream_path ORDER BY stream_path`)
	if err != nil {
		return nil, s.wrap("catalog", err)
	}
	defer rows.Close()
	var out []index.Stream
	for rows.Next() {
		var st index.Stream
		var dur, first, last int64
		var formats string
		if err := rows.Scan(&st.StreamPath, &st.Count, &st.Size, &dur, &first, &last, &formats); err != nil {
			return nil, s.wrap("catalog", err)
		}
		st.Duration = index.MSDuration(dur)
		st.FirstStart, st.LastStart = index.FromUnixMS(first), index.FromUnixMS(last)
		st.Formats = strings.Split(formats, ",")
		slices.Sort(st.Formats)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("catalog", err)
	}
	return out, s.countEvents(ctx, out)
}

// countEvents sets the catalog's event counts.
func (s *Store) countEvents(ctx context.Context, cat []index.Stream) error {
	rows, err := s.pool.Query(ctx, `SELECT r.stream_path, count(*) FROM events e JOIN recordings r ON r.id = e.recording_id
		WHERE r.status <> 'deleted' GROUP BY r.stream_path`)
	if err != nil {
		return s.wrap("catalog events", err)
	}
	defer rows.Close()
	n := map[string]int{}
	for rows.Next() {
		var sp string
		var c int
		if err := rows.Scan(&sp, &c); err != nil {
			return s.wrap("catalog events", err)
		}
		n[sp] = c
	}
	for i := range cat {
		cat[i].Events = n[cat[i].StreamPath]
	}
	return rows.Err()
}
