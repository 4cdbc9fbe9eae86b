package retention

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
)

// BenchmarkPass100k: a max_age pass over 100,000 expired rows with real
// files, and 1,000 files beside them without rows that no pass walks
// (they stay). It reports the longest candidate query and the longest
// retire transaction: what the database is held for at a time.
func BenchmarkPass100k(b *testing.B) {
	n := benchRows
	if v := os.Getenv("BENCH_ROWS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	for range b.N {
		b.StopTimer()
		e := newEnv(b)
		ctx := context.Background()
		var batch []index.Change
		for i := range n {
			p := filepath.Join(e.root, "cam-"+strconv.Itoa(i)+".flv")
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				b.Fatal(err)
			}
			st := t0.Add(time.Duration(i) * time.Second)
			batch = append(batch, index.Change{Kind: index.Closed, Row: index.Recording{StreamPath: "live/cam", App: "live", Name: "cam",
				Format: "flv", Path: p, Status: index.StatusDone, Start: st, End: st.Add(time.Second), Size: 1}})
			if len(batch) == 5000 {
				if err := e.store.Apply(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		for i := range 1000 {
			os.WriteFile(filepath.Join(e.root, "stray-"+strconv.Itoa(i)+".flv"), nil, 0o644)
		}
		ts := &timedStore{Store: e.store}
		c := New(Options{Store: ts, Policies: func() []Policy {
			return []Policy{{App: "live", Root: e.root, Retention: conf.Retention{MaxAge: time.Hour}}}
		}, Now: func() time.Time { return e.now }, Pace: -1, Logger: slog.New(slog.DiscardHandler)})
		b.StartTimer()
		got := c.Pass(ctx)
		b.StopTimer()
		if len(got) != n {
			b.Fatalf("removed %d of %d", len(got), n)
		}
		ents, _ := os.ReadDir(e.root)
		if len(ents) != 1000 {
			b.Fatalf("%d files left, want the 1000 without rows", len(ents))
		}
		st := c.Status()
		b.ReportMetric(st.MaxQuerySeconds*1e3, "max-query-ms")
		b.ReportMetric(st.MaxRetireSeconds*1e3, "max-retire-ms")
		b.ReportMetric(percentile(ts.queries, 0.99)*1e3, "p99-query-ms")
		b.ReportMetric(percentile(ts.retires, 0.99)*1e3, "p99-retire-ms")
		b.ReportMetric(ratio(ts.queries), "last/first-query")
		b.ReportMetric(float64(n)/st.LastPassSeconds, "rows/s")
	}
}

// timedStore times each candidate query and retire transaction.
type timedStore struct {
	Store
	queries, retires []float64 // seconds, in pass order
}

func (s *timedStore) Removable(ctx context.Context, q index.RemovableQuery) ([]index.Recording, error) {
	t := time.Now()
	defer func() { s.queries = append(s.queries, time.Since(t).Seconds()) }()
	return s.Store.Removable(ctx, q)
}

func (s *timedStore) Retire(ctx context.Context, rs []index.Retired) error {
	t := time.Now()
	defer func() { s.retires = append(s.retires, time.Since(t).Seconds()) }()
	return s.Store.Retire(ctx, rs)
}

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// ratio compares the mean of the last tenth of the queries with the
// first tenth: about 1 when a query's cost does not grow with the rows
// the pass already removed.
func ratio(v []float64) float64 {
	k := len(v) / 10
	if k == 0 {
		return 0
	}
	mean := func(x []float64) float64 {
		var t float64
		for _, y := range x {
			t += y
		}
		return t / float64(len(x))
	}
	return mean(v[len(v)-k:]) / mean(v[:k])
}

// benchRows is the rows of BenchmarkPass100k; BENCH_ROWS overrides it.
var benchRows = 100_000
