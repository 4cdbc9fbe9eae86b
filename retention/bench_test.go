package retention

import (
	"context"
	"os"
	"path/filepath"
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
		c := New(Options{Store: e.store, Policies: func() []Policy {
			return []Policy{{App: "live", Root: e.root, Retention: conf.Retention{MaxAge: time.Hour}}}
		}, Now: func() time.Time { return e.now }, Pace: -1})
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
		b.ReportMetric(float64(n)/st.LastPassSeconds, "rows/s")
	}
}

// benchRows is the rows of BenchmarkPass100k; BENCH_ROWS overrides it.
var benchRows = 100_000
