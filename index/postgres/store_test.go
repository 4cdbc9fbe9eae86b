package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/storetest"
	"github.com/rtmprecd/rtmprecd/internal/pgtest"
)

var t0 = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)

// openNew opens a store of node on a new empty database of c.
func openNew(t *testing.T, c *pgtest.Cluster, node string) (*Store, string) {
	t.Helper()
	url := c.NewDB(t)
	s, err := Open(context.Background(), url, Options{Node: node, URL: "http://" + node + ".test/api/"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

// TestStoreSuite runs the SQLite store's suite, unchanged, on PostgreSQL.
func TestStoreSuite(t *testing.T) {
	c := pgtest.Start(t)
	storetest.Run(t, func(t *testing.T) index.Store {
		s, _ := openNew(t, c, "n1")
		return s
	})
}

// TestNodesShareQueriesAndKeepTheirOwnPaths: two nodes on one database
// write the same path (same configuration, no shared storage) as two
// rows; list and catalog show both; Live, Progress and reconciliation
// see only the node's own row; the nodes table has each node's URL.
func TestNodesShareQueriesAndKeepTheirOwnPaths(t *testing.T) {
	c := pgtest.Start(t)
	a, url := openNew(t, c, "a")
	b, err := Open(context.Background(), url, Options{Node: "b", URL: "http://b.test/api/"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	r := storetest.Row("live", "cam", "/rec/cam.flv", t0)
	for _, s := range []*Store{a, b} {
		if err := s.Apply(ctx, []index.Change{{Kind: index.Opened, Row: r}}); err != nil {
			t.Fatal(err)
		}
	}
	p := r
	p.Size = 777
	if err := b.Apply(ctx, []index.Change{{Kind: index.Progress, Row: p}}); err != nil {
		t.Fatal(err)
	}
	ra, _ := a.Live(ctx, r.Path)
	rb, _ := b.Live(ctx, r.Path)
	if ra.Node != "a" || rb.Node != "b" || ra.ID == rb.ID || ra.Size != 0 || rb.Size != 777 {
		t.Fatalf("a %+v\nb %+v", ra, rb)
	}
	for _, s := range []*Store{a, b} {
		rows, total, err := s.List(ctx, index.Query{StreamPath: "live/cam", Size: 10})
		if err != nil || total != 2 || len(rows) != 2 {
			t.Fatalf("list on %s: %d rows of %d, %v", s.node, len(rows), total, err)
		}
		cat, err := s.Catalog(ctx)
		if err != nil || len(cat) != 1 || cat[0].Count != 2 {
			t.Fatalf("catalog on %s: %+v %v", s.node, cat, err)
		}
	}
	if u, err := a.NodeURL(ctx, "b"); err != nil || u != "http://b.test/api/" {
		t.Fatalf("url of b: %q %v", u, err)
	}
	// a's reconciliation completes a's row (its file is gone) and leaves b's
	n, err := index.Reconcile(ctx, a, testLogger(t))
	if err != nil || n.Missing != 1 {
		t.Fatalf("reconcile: %+v %v", n, err)
	}
	if got, _ := b.Get(ctx, rb.ID); got.Status != index.StatusRecording {
		t.Fatalf("a's reconciliation touched b's row: %+v", got)
	}
}

// TestMigrationsFromEmptyAndFromSchemaOne: an empty database and one at
// schema 1 with a row (made by step 1 alone) both reach SchemaVersion;
// the row survives and takes events; a newer schema is refused.
func TestMigrationsFromEmptyAndFromSchemaOne(t *testing.T) {
	c := pgtest.Start(t)
	ctx := context.Background()
	empty, url := openNew(t, c, "n1")
	if v := schemaOf(t, empty); v != SchemaVersion || SchemaVersion < 2 {
		t.Fatalf("empty database at %d, want %d", v, SchemaVersion)
	}

	url = c.NewDB(t)
	old, err := connect(ctx, url, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, old.pool, 1); err != nil {
		t.Fatal(err)
	}
	r := storetest.Row("live", "cam", "/r/cam.flv", t0)
	r.Node, r.Status, r.End = "n1", index.StatusDone, t0.Add(time.Minute)
	v1 := len(columns) - 1 // removed_by came in schema 3
	insertV1 := "INSERT INTO recordings (" + strings.Join(columns[:v1], ", ") + ") VALUES (" + params(1, v1) + ")"
	if _, err := old.pool.Exec(ctx, insertV1, values(&r)[:v1]...); err != nil {
		t.Fatal(err)
	}
	if v := schemaOf(t, old); v != 1 {
		t.Fatalf("old database at %d", v)
	}
	old.Close()

	s, err := Open(ctx, url, Options{Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v := schemaOf(t, s); v != SchemaVersion {
		t.Fatalf("migrated to %d", v)
	}
	got, err := s.Live(ctx, r.Path)
	if err != nil || !got.Start.Equal(t0) {
		t.Fatalf("row after migration %+v, %v", got, err)
	}
	err = s.Apply(ctx, []index.Change{{Kind: index.EventMarked, Row: r,
		Event: &index.Event{EventID: "x", Trigger: t0.Add(10 * time.Second), Offset: 10 * time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	if evs, n, err := s.Events(ctx, index.EventQuery{RecordingIDs: []int64{got.ID}}); err != nil || n != 1 || evs[0].Offset != 10*time.Second {
		t.Fatalf("events %+v, %d, %v", evs, n, err)
	}

	if _, err := s.pool.Exec(ctx, "UPDATE rtmprecd_schema SET version = 99"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, url, Options{Node: "n1"}); err == nil || !strings.Contains(err.Error(), "schema version 99 is newer") {
		t.Fatalf("open of a newer schema: %v", err)
	}
	if err := Check(ctx, url); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("check of a newer schema: %v", err)
	}
}

// TestNodesStartingTogetherMigrateOnce: eight nodes opening an empty
// database at once all succeed (the advisory lock serialises the
// migrations; without it they race on CREATE TABLE) and the schema is
// there once.
func TestNodesStartingTogetherMigrateOnce(t *testing.T) {
	c := pgtest.Start(t)
	url := c.NewDB(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(context.Background(), url, Options{Node: "n" + string(rune('a'+i))})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(c.Exec(t, url, "SELECT version FROM rtmprecd_schema; SELECT count(*) FROM nodes")); got != fmt.Sprintf("%d\n8", SchemaVersion) {
		t.Fatalf("schema and nodes: %q", got)
	}
}

// TestUnreachableIsErrUnavailable: with the server stopped, queries and
// Apply fail with index.ErrUnavailable (the API's 503, the writer's
// retry), and work again once it is back.
func TestUnreachableIsErrUnavailable(t *testing.T) {
	c := pgtest.Start(t)
	s, _ := openNew(t, c, "n1")
	ctx := context.Background()
	c.Stop(t)
	if _, _, err := s.List(ctx, index.Query{Size: 1}); !errors.Is(err, index.ErrUnavailable) {
		t.Fatalf("list: %v", err)
	}
	r := storetest.Row("live", "cam", "/r/cam.flv", t0)
	if err := s.Apply(ctx, []index.Change{{Kind: index.Opened, Row: r}}); !errors.Is(err, index.ErrUnavailable) {
		t.Fatalf("apply: %v", err)
	}
	if _, err := s.Get(ctx, 1); !errors.Is(err, index.ErrUnavailable) {
		t.Fatalf("get: %v", err)
	}
	c.Start(t)
	if err := s.Apply(ctx, []index.Change{{Kind: index.Opened, Row: r}}); err != nil {
		t.Fatalf("apply after restart: %v", err)
	}
}

func schemaOf(t *testing.T, s *Store) int {
	t.Helper()
	var v int
	if err := s.pool.QueryRow(context.Background(), "SELECT version FROM rtmprecd_schema").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWriterSpoolsWhileDownAndReportsOverflow: the writer over a stopped
// server keeps its batch and queues what follows up to the queue's
// capacity (the spool), drops the rest with a count, and once the
// server is back writes every change it kept, then reports the drops
// to Recovered (where the daemon reconciles).
func TestWriterSpoolsWhileDownAndReportsOverflow(t *testing.T) {
	c := pgtest.Start(t)
	s, _ := openNew(t, c, "n1")
	recovered := make(chan uint64, 1)
	w := index.NewWriter(s, index.WriterOptions{Queue: 8, Batch: 4, Retry: 100 * time.Millisecond, Logger: testLogger(t),
		Recovered: func(d uint64) { recovered <- d }})
	defer w.Close(context.Background())
	c.Stop(t)
	opened := func(i int) index.Change {
		return index.Change{Kind: index.Opened, Row: storetest.Row("live", "cam", fmt.Sprintf("/r/%d.flv", i), t0.Add(time.Duration(i)*time.Second))}
	}
	w.Submit(opened(0))
	deadline := time.Now().Add(10 * time.Second)
	for !w.Down() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !w.Down() {
		t.Fatal("the writer did not notice the database down")
	}
	kept := 1
	for i := 1; i < 20; i++ {
		if w.Submit(opened(i)) {
			kept++
		}
	}
	if st := w.Stats(); st.Dropped != uint64(20-kept) || kept != 9 {
		t.Fatalf("kept %d, stats %+v: want the one in flight and 8 queued", kept, st)
	}
	c.Start(t)
	select {
	case d := <-recovered:
		if d != 11 {
			t.Fatalf("recovered reports %d dropped, want 11", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no recovery")
	}
	if err := w.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, total, err := s.List(context.Background(), index.Query{Size: 100})
	if err != nil || total != kept || w.Down() || w.Stats().Applied != uint64(kept) || w.Stats().Retried == 0 {
		t.Fatalf("%d rows written of %d kept (%v), stats %+v", total, kept, err, w.Stats())
	}
}

// BenchmarkApplyBatch256 is one writer transaction of 256 closed files
// (the writer's largest batch) into PostgreSQL over TCP on 127.0.0.1.
//
//	go test -run XXX -bench ApplyBatch256 -benchtime 50x ./index/postgres
func BenchmarkApplyBatch256(b *testing.B) {
	c := pgtest.Start(b)
	s, err := Open(context.Background(), c.NewDB(b), Options{Node: "n1"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	n := 0
	for b.Loop() {
		batch := make([]index.Change, 256)
		for i := range batch {
			r := storetest.Row("live", "cam", fmt.Sprintf("/r/%d.flv", n), t0.Add(time.Duration(n)*time.Second))
			r.Status, r.End, r.Size = index.StatusDone, r.Start.Add(time.Minute), 1<<20
			batch[i], n = index.Change{Kind: index.Closed, Row: r}, n+1
		}
		if err := s.Apply(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}
