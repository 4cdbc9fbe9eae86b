package storetest

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// RetentionStore is a store that retention runs on.
type RetentionStore interface {
	index.Store
	index.Retainer
}

// RunRetention runs the retention queries' suite; open returns an empty
// store.
func RunRetention(t *testing.T, open func(t *testing.T) RetentionStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, RetentionStore)
	}{
		{"RemovableOrderAndProtection", removableOrderAndProtection},
		{"UsageAndRetire", usageAndRetire},
		{"RetireLeavesAReopenedRow", retireLeavesReopened},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// ClosedRow puts a finished row of recorder rec, stream live/name.
func ClosedRow(t *testing.T, s index.Store, rec, name string, start time.Time, size int64) index.Recording {
	t.Helper()
	r := index.Recording{StreamPath: "live/" + name, App: "live", Name: name, Recorder: rec, Format: "flv",
		Path: "/r/" + rec + "/" + name + "-" + strconv.FormatInt(start.Unix(), 10) + ".flv", Status: index.StatusDone,
		Start: start, End: start.Add(time.Minute), Size: size}
	if err := s.Put(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// IDs are the rows' ids in order.
func IDs(rows []index.Recording) []int64 {
	var out []int64
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

// Drain pages q to the end by cursor and returns the ids.
func Drain(t *testing.T, s index.Retainer, q index.RemovableQuery) []int64 {
	t.Helper()
	var got []int64
	for {
		page, err := s.Removable(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return got
		}
		got = append(got, IDs(page)...)
		q.After = index.CursorOf(&page[len(page)-1])
	}
}

// removableOrderAndProtection: candidates come oldest first, page by
// cursor, and leave out pinned rows, other recorders, kept event
// recordings and the continuous rows a kept event overlaps.
func removableOrderAndProtection(t *testing.T, s RetentionStore) {
	ctx := context.Background()
	var rows []index.Recording
	for i := range 6 {
		rows = append(rows, ClosedRow(t, s, "", "cam", t0.Add(time.Duration(i)*time.Minute), 100))
	}
	ClosedRow(t, s, "other", "cam", t0, 100)
	pinned := true
	if _, err := s.Mark(ctx, rows[1].ID, index.Mark{Pinned: &pinned}); err != nil {
		t.Fatal(err)
	}
	// an event recording (recorder ev) whose event, at level 2, spans the
	// continuous row 3 (t0+3m..t0+4m)
	ev := index.Recording{StreamPath: "live/cam", App: "live", Name: "cam", Recorder: "ev", Format: "flv",
		Path: "/r/ev/cam.flv", Start: t0.Add(3*time.Minute + 10*time.Second)}
	trig := t0.Add(3*time.Minute + 30*time.Second)
	apply(t, s, index.Change{Kind: index.EventMarked, Row: ev, Event: &index.Event{EventID: "e1", Level: 2,
		Trigger: trig, Before: 5 * time.Second, After: 5 * time.Second}})
	got := Drain(t, s, index.RemovableQuery{App: "live", Recorder: "", Limit: 2, KeepLevel: 1})
	want := []int64{rows[0].ID, rows[2].ID, rows[4].ID, rows[5].ID}
	if !slices.Equal(got, want) {
		t.Errorf("removable %v, want %v (1 pinned, 3 under an event)", got, want)
	}
	// above the event's level, or once the event is older than the cutoff,
	// row 3 is removable
	for _, q := range []index.RemovableQuery{
		{App: "live", Limit: 10, KeepLevel: 3},
		{App: "live", Limit: 10, KeepLevel: 1, EventCutoff: trig.Add(time.Minute)},
	} {
		page, err := s.Removable(ctx, q)
		if err != nil || !slices.Contains(IDs(page), rows[3].ID) {
			t.Errorf("%+v: %v, %v; want row 3 removable", q, IDs(page), err)
		}
	}
	page, _ := s.Removable(ctx, index.RemovableQuery{App: "live", Limit: 10, EndedBefore: t0.Add(2*time.Minute + time.Second)})
	if !slices.Equal(IDs(page), []int64{rows[0].ID}) {
		t.Errorf("ended before t0+2m: %v", IDs(page))
	}
	evs, _, err := s.Events(ctx, index.EventQuery{EventID: "e1"})
	if err != nil || len(evs) != 1 {
		t.Fatalf("event e1: %+v, %v", evs, err)
	}
	pins, err := s.EventPins(ctx, []int64{evs[0].ID})
	if err != nil || !slices.Equal(pins[evs[0].ID], []int64{rows[3].ID}) {
		t.Errorf("event pins %v, %v; want row 3", pins, err)
	}
}

func usageAndRetire(t *testing.T, s RetentionStore) {
	ctx := context.Background()
	a := ClosedRow(t, s, "", "a", t0, 100)
	ClosedRow(t, s, "", "a", t0.Add(time.Minute), 50)
	ClosedRow(t, s, "", "b", t0.Add(2*time.Minute), 7)
	ClosedRow(t, s, "other", "b", t0.Add(2*time.Minute), 1000)
	u, err := s.Usage(ctx, "live", "")
	if err != nil || u.Bytes != 157 || u.Files != 3 || !u.Oldest.Equal(t0) || len(u.Streams) != 2 {
		t.Fatalf("usage %+v, %v", u, err)
	}
	if err := s.Retire(ctx, []index.Retired{{ID: a.ID, Status: index.StatusDeleted, Rule: "max_age", Time: t0}}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, a.ID)
	if got.Status != index.StatusDeleted || got.RemovedBy != "max_age" {
		t.Errorf("retired row %+v", got)
	}
	if u, _ := s.Usage(ctx, "live", ""); u.Bytes != 57 || u.Files != 2 {
		t.Errorf("usage after retire %+v", u)
	}
	if rs := Drain(t, s, index.RemovableQuery{App: "live", Limit: 10}); slices.Contains(rs, a.ID) {
		t.Errorf("retired row still removable: %v", rs)
	}
}

// retireLeavesReopened: a row that an append reopened between the
// candidate query and the retire keeps its status.
func retireLeavesReopened(t *testing.T, s RetentionStore) {
	ctx := context.Background()
	r := ClosedRow(t, s, "", "cam", t0, 10)
	reopened := Row("live", "cam", r.Path, t0.Add(time.Hour))
	apply(t, s, index.Change{Kind: index.Opened, Row: reopened})
	if err := s.Retire(ctx, []index.Retired{{ID: r.ID, Status: index.StatusDeleted, Rule: "max_age", Time: t0}}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, r.ID)
	if got.Status != index.StatusRecording || got.RemovedBy != "" {
		t.Errorf("reopened row retired: %+v", got)
	}
}
