package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// listQuery is the list an operator runs: one stream, a five-minute range.
func listQuery() index.Query {
	return index.Query{StreamPath: "live/cam42", Start: t0.Add(24 * time.Hour), End: t0.Add(24*time.Hour + 5*time.Minute), Page: 1, Size: 50}
}

// TestListQueryPlanUsesStreamStartIndex shows the plan of list with a
// stream and time-range filter: a search of the (stream_path, start_ms)
// index, no scan of the table and no sort step.
func TestListQueryPlanUsesStreamStartIndex(t *testing.T) {
	s := openTemp(t)
	bulk(t, s, 10, 100)
	plan, err := s.Plan(context.Background(), listQuery())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plan:\n%s", plan)
	if !strings.Contains(plan, "SEARCH recordings USING INDEX recordings_stream_start (stream_path=? AND start_ms<?)") ||
		strings.Contains(plan, "SCAN recordings") || strings.Contains(plan, "TEMP B-TREE") {
		t.Fatalf("list is not served by its index:\n%s", plan)
	}
}

// bulk inserts streams x perStream closed rows, one a minute per stream,
// in one transaction (seeding, not the writer's path).
func bulk(tb testing.TB, s *Store, streams, perStream int) {
	tb.Helper()
	tx, err := s.db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	st, err := tx.Prepare("INSERT INTO recordings (" + columnList + ") VALUES (" + placeholders + ")")
	if err != nil {
		tb.Fatal(err)
	}
	for i := range perStream {
		for c := range streams {
			start := t0.Add(time.Duration(i) * time.Minute)
			r := index.Recording{StreamPath: fmt.Sprintf("live/cam%d", c), App: "live", Name: fmt.Sprintf("cam%d", c),
				Format: "flv", Path: fmt.Sprintf("/rec/cam%d/%d.flv", c, i), Status: index.StatusDone,
				Start: start, End: start.Add(55 * time.Second), Duration: 55 * time.Second, Size: 1 << 20, Updated: start}
			if _, err := st.Exec(values(&r)...); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkList1M is list over 1,000,000 rows (100 streams x 10,000
// one-minute recordings) with a stream and time-range filter.
//
//	go test -run XXX -bench List1M ./index/sqlite
func BenchmarkList1M(b *testing.B) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "i.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	bulk(b, s, 100, 10000)
	q := listQuery()
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		rows, total, err := s.List(ctx, q)
		if err != nil || total != 6 || len(rows) != 6 {
			b.Fatalf("%d rows of %d: %v", len(rows), total, err)
		}
	}
}

// BenchmarkCatalog1M is the catalog (with its event counts) over
// 1,000,000 rows and no events.
//
//	go test -run XXX -bench Catalog1M ./index/sqlite
func BenchmarkCatalog1M(b *testing.B) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "i.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	bulk(b, s, 100, 10000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		cat, err := s.Catalog(ctx)
		if err != nil || len(cat) != 100 {
			b.Fatalf("%d streams: %v", len(cat), err)
		}
	}
}
