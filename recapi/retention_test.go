package recapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
	"github.com/rtmprecd/rtmprecd/recapi"
	"github.com/rtmprecd/rtmprecd/recapi/apitest"
	"github.com/rtmprecd/rtmprecd/retention"
)

// TestRetentionStatus: GET retention answers a real cleaner's state
// after a pass over a real root (what max_age removed, the root's
// filesystem with its floor and oldest recording), as the OpenAPI
// document says; without a cleaner it is a 404.
func TestRetentionStatus(t *testing.T) {
	dir := t.TempDir()
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, ".index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	root := filepath.Join(dir, "rec")
	os.MkdirAll(root, 0o755)
	now := time.Now()
	for i, ago := range []time.Duration{48 * time.Hour, time.Hour} {
		p := filepath.Join(root, "cam-"+string(rune('a'+i))+".flv")
		os.WriteFile(p, make([]byte, 1000), 0o644)
		r := index.Recording{StreamPath: "live/cam", App: "live", Name: "cam", Format: "flv", Path: p,
			Status: index.StatusDone, Start: now.Add(-ago), End: now.Add(-ago + time.Minute), Size: 1000}
		if err := store.Put(context.Background(), &r); err != nil {
			t.Fatal(err)
		}
	}
	c := retention.New(retention.Options{Store: store, Logger: slog.New(slog.DiscardHandler), Policies: func() []retention.Policy {
		return []retention.Policy{{App: "live", Root: root, Retention: conf.Retention{MaxAge: 24 * time.Hour,
			MinFree: conf.MinFree{Bytes: 1}}}}
	}})
	if n := len(c.Pass(context.Background())); n != 1 {
		t.Fatalf("pass removed %d, want 1", n)
	}
	for _, tc := range []struct {
		status func() retention.Status
		code   int
	}{{c.Status, 200}, {nil, 404}} {
		api := recapi.New(recapi.Options{Store: store, Logger: slog.New(slog.DiscardHandler), Retention: tc.status})
		mux := http.NewServeMux()
		mux.Handle("/api/", api.Handler("/api/", "tok", recapi.ExportLimits{}))
		srv := httptest.NewServer(mux)
		defer srv.Close()
		cl := &apitest.Client{T: t, Base: srv.URL + "/api", Token: "tok"}
		res := cl.Do("GET", "/retention", "retention", nil)
		if res.Status != tc.code {
			t.Fatalf("retention: %d %s, want %d", res.Status, res.Body, tc.code)
		}
		if tc.code != 200 {
			continue
		}
		var st retention.Status
		res.JSON(t, &st)
		if st.LastPassRemoved != 1 || st.Removed[retention.RuleMaxAge].Files != 1 || st.Removed[retention.RuleMaxAge].Bytes != 1000 ||
			len(st.Disks) != 1 || st.Disks[0].Roots[0] != root || st.Disks[0].Floor != 1 || st.Disks[0].Total == 0 ||
			st.Disks[0].Oldest.IsZero() || st.Disks[0].Oldest.Before(now.Add(-2*time.Hour)) {
			t.Errorf("retention status %s", res.Body)
		}
	}
}
