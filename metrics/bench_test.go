package metrics

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/hub"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// BenchmarkWrote is the record observer's cost per write.
func BenchmarkWrote(b *testing.B) {
	ex := New(Options{})
	b.ReportAllocs()
	for b.Loop() {
		ex.Wrote(65536, 50*time.Microsecond)
	}
}

// BenchmarkScrape serves one scrape with 100 running publishes, their
// per-stream series included, and 100 applications' record counters.
func BenchmarkScrape(b *testing.B) {
	ex := New(Options{})
	for i := range 100 {
		app := fmt.Sprintf("app%d", i)
		hs := hub.New(app, hub.Options{})
		h := &hook{l: ex.live, app: app, stream: func() *hub.Stream { return hs }}
		if err := h.OnPublish(context.Background(), &rtmp.Publish{Name: "cam"}); err != nil {
			b.Fatal(err)
		}
		ex.RecordEvent(record.Event{App: app, Reason: record.ReasonSplit})
	}
	hd := ex.Handler(true)
	req := httptest.NewRequest("GET", "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		hd.ServeHTTP(w, req)
		io.Copy(io.Discard, w.Body)
	}
}
