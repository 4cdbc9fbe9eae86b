package index_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
	"github.com/rtmprecd/rtmprecd/index/storetest"
)

var t0 = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)

func openStore(tb testing.TB) (*sqlite.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), ".index.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, path
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestWriterNeverBlocksWhileTheDatabaseIsLocked holds an exclusive lock
// on the database from another connection (a slow or stuck database):
// every Submit returns at once, what does not fit the queue is counted as
// dropped, and once the lock goes the queued changes are written.
func TestWriterNeverBlocksWhileTheDatabaseIsLocked(t *testing.T) {
	s, path := openStore(t)
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	w := index.NewWriter(s, index.WriterOptions{Queue: 8, Batch: 4, Logger: quiet()})
	const n = 100
	queued := 0
	for i := range n {
		r := storetest.Row("live", "cam", fmt.Sprintf("/rec/cam-%d.flv", i), t0)
		if w.Submit(index.Change{Kind: index.Opened, Row: r}) {
			queued++
		}
	}
	st := w.Stats()
	if st.Dropped == 0 || int(st.Dropped)+queued != n {
		t.Fatalf("queued %d, stats %+v", queued, st)
	}
	conn.ExecContext(context.Background(), "COMMIT")
	conn.Close()
	if err := w.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Close(context.Background())
	_, total, err := s.List(context.Background(), index.Query{Size: 1000})
	if err != nil || total != queued || int(w.Stats().Applied) != queued {
		t.Fatalf("rows %d, queued %d, stats %+v: %v", total, queued, w.Stats(), err)
	}
}

// TestWriterCountsAFailedTransaction closes the store under the writer
// (the database gone): the batch fails, is counted, and the writer goes
// on with the next one.
func TestWriterCountsAFailedTransaction(t *testing.T) {
	s, _ := openStore(t)
	w := index.NewWriter(s, index.WriterOptions{Logger: quiet()})
	defer w.Close(context.Background())
	s.Close()
	w.Submit(index.Change{Kind: index.Opened, Row: storetest.Row("live", "cam", "/rec/a.flv", t0)})
	w.Sync(context.Background())
	if st := w.Stats(); st.Failed != 1 || st.Applied != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestWriterAppliesInSubmitOrder opens, grows and closes one file in
// separate submits: the row ends done with the close's figures.
func TestWriterAppliesInSubmitOrder(t *testing.T) {
	s, _ := openStore(t)
	w := index.NewWriter(s, index.WriterOptions{Batch: 2, Logger: quiet()})
	r := storetest.Row("live", "cam", "/rec/a.flv", t0)
	w.Submit(index.Change{Kind: index.Opened, Row: r})
	for i := range 5 {
		p := r
		p.Size = int64(i * 100)
		w.Submit(index.Change{Kind: index.Progress, Row: p})
	}
	c := r
	c.Status, c.Size, c.End = index.StatusDone, 777, t0.Add(time.Minute)
	w.Submit(index.Change{Kind: index.Closed, Row: c})
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := s.Live(context.Background(), r.Path)
	if err != nil || got.Status != index.StatusDone || got.Size != 777 {
		t.Fatalf("%+v %v", got, err)
	}
}

// BenchmarkWriter1000OpenClose feeds the writer what 1,000 recordings
// opening and closing in the same second produce (1,000 opened then
// 1,000 closed events) through a real SQLite file. It reports the
// longest Submit (what the media path could wait: never the database),
// the time until every row is written, and the drops (0 expected).
//
//	go test -run XXX -bench Writer1000 ./index
func BenchmarkWriter1000OpenClose(b *testing.B) {
	s, _ := openStore(b)
	var worst, total time.Duration
	var dropped uint64
	for i := 0; b.Loop(); i++ {
		w := index.NewWriter(s, index.WriterOptions{Logger: quiet()})
		start := time.Now()
		for _, kind := range []index.ChangeKind{index.Opened, index.Closed} {
			for k := range 1000 {
				r := storetest.Row("live", fmt.Sprintf("cam%d", k), fmt.Sprintf("/rec/%d/cam%d.flv", i, k), t0)
				if kind == index.Closed {
					r.Status, r.End, r.Size, r.Duration = index.StatusDone, t0.Add(time.Second), 1<<20, time.Second
				}
				t1 := time.Now()
				w.Submit(index.Change{Kind: kind, Row: r})
				worst = max(worst, time.Since(t1))
			}
		}
		w.Close(context.Background())
		total += time.Since(start)
		dropped += w.Stats().Dropped
	}
	b.ReportMetric(float64(worst.Microseconds()), "max-submit-µs")
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-written")
	b.ReportMetric(float64(dropped), "dropped")
}
