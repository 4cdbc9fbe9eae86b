package postgres

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/storetest"
	"github.com/rtmprecd/rtmprecd/internal/pgtest"
)

// TestRetentionSuite runs the retention queries' suite, as on SQLite.
func TestRetentionSuite(t *testing.T) {
	c := pgtest.Start(t)
	storetest.RunRetention(t, func(t *testing.T) storetest.RetentionStore {
		s, _ := openNew(t, c, "n1")
		return s
	})
}

// TestRetentionTouchesOnlyTheNodesRows: on a shared index, a node's
// candidates, usage and retire are its own rows; a pin set through the
// other node, and an event recorded on the other node, still protect
// its rows (pins are global).
func TestRetentionTouchesOnlyTheNodesRows(t *testing.T) {
	c := pgtest.Start(t)
	a, url := openNew(t, c, "a")
	b, err := Open(context.Background(), url, Options{Node: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	var ra []index.Recording
	for i := range 4 {
		ra = append(ra, storetest.ClosedRow(t, a, "", "cam", t0.Add(time.Duration(i)*time.Minute), 10))
	}
	rb := storetest.ClosedRow(t, b, "", "cam", t0.Add(-time.Hour), 1000)
	pinned := true
	if _, err := b.Mark(ctx, ra[0].ID, index.Mark{Pinned: &pinned}); err != nil {
		t.Fatal(err)
	}
	// an event recorded on b over a's row 2 (t0+2m..t0+3m)
	ev := index.Recording{StreamPath: "live/cam", App: "live", Name: "cam", Recorder: "ev", Format: "flv",
		Path: "/r/ev/cam.flv", Start: t0.Add(2 * time.Minute)}
	if err := b.Apply(ctx, []index.Change{{Kind: index.EventMarked, Row: ev, Event: &index.Event{EventID: "e1", Level: 1,
		Trigger: t0.Add(2*time.Minute + 30*time.Second), Before: time.Second, After: time.Second}}}); err != nil {
		t.Fatal(err)
	}
	got := storetest.Drain(t, a, index.RemovableQuery{App: "live", Limit: 2, KeepLevel: 1})
	if want := []int64{ra[1].ID, ra[3].ID}; !slices.Equal(got, want) {
		t.Errorf("a's candidates %v, want %v (0 pinned via b, 2 under b's event, b's row not a's)", got, want)
	}
	if got := storetest.Drain(t, b, index.RemovableQuery{App: "live", Limit: 2}); !slices.Equal(got, []int64{rb.ID}) {
		t.Errorf("b's candidates %v, want only its row %d", got, rb.ID)
	}
	if u, err := a.Usage(ctx, "live", ""); err != nil || u.Bytes != 40 || u.Files != 4 {
		t.Errorf("a's usage %+v, %v: want its 4 rows only", u, err)
	}
	if err := a.Retire(ctx, []index.Retired{{ID: rb.ID, Status: index.StatusDeleted, Rule: "max_age", Time: t0}}); err != nil {
		t.Fatal(err)
	}
	if r, _ := a.Get(ctx, rb.ID); r.Status != index.StatusDone {
		t.Errorf("a retired b's row: %+v", r)
	}
}
