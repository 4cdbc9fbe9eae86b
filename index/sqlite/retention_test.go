package sqlite

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// closedRow puts a finished row of recorder rec, stream live/name.
func closedRow(t *testing.T, s *Store, rec, name string, start time.Time, size int64) index.Recording {
	t.Helper()
	r := index.Recording{StreamPath: "live/" + name, App: "live", Name: name, Recorder: rec, Format: "flv",
		Path: "/r/" + rec + "/" + name + "-" + itoa(int(start.Unix())) + ".flv", Status: index.StatusDone,
		Start: start, End: start.Add(time.Minute), Size: size}
	if err := s.Put(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func ids(rows []index.Recording) []int64 {
	var out []int64
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

// TestRemovableOrderAndProtection: candidates come oldest first, page by
// cursor, and leave out pinned rows, other recorders, kept event
// recordings and the continuous rows a kept event overlaps.
func TestRemovableOrderAndProtection(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	var rows []index.Recording
	for i := range 6 {
		rows = append(rows, closedRow(t, s, "", "cam", t0.Add(time.Duration(i)*time.Minute), 100))
	}
	closedRow(t, s, "other", "cam", t0, 100)
	pinned := true
	if _, err := s.Mark(ctx, rows[1].ID, index.Mark{Pinned: &pinned}); err != nil {
		t.Fatal(err)
	}
	// an event recording (recorder ev) whose event, at level 2, spans the
	// continuous row 3 (t0+3m..t0+4m)
	ev := index.Recording{StreamPath: "live/cam", App: "live", Name: "cam", Recorder: "ev", Format: "flv",
		Path: "/r/ev/cam.flv", Start: t0.Add(3*time.Minute + 10*time.Second)}
	trig := t0.Add(3*time.Minute + 30*time.Second)
	err := s.Apply(ctx, []index.Change{{Kind: index.EventMarked, Row: ev, Event: &index.Event{EventID: "e1", Level: 2,
		Trigger: trig, Before: 5 * time.Second, After: 5 * time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	q := index.RemovableQuery{App: "live", Recorder: "", Limit: 2, KeepLevel: 1}
	var got []int64
	for {
		page, err := s.Removable(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, ids(page)...)
		q.After = index.CursorOf(&page[len(page)-1])
	}
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
		if err != nil || !slices.Contains(ids(page), rows[3].ID) {
			t.Errorf("%+v: %v, %v; want row 3 removable", q, ids(page), err)
		}
	}
	page, _ := s.Removable(ctx, index.RemovableQuery{App: "live", Limit: 10, EndedBefore: t0.Add(2*time.Minute + time.Second)})
	if !slices.Equal(ids(page), []int64{rows[0].ID}) {
		t.Errorf("ended before t0+2m: %v", ids(page))
	}
	pins, err := s.EventPins(ctx, []int64{1})
	if err != nil || !slices.Equal(pins[1], []int64{rows[3].ID}) {
		t.Errorf("event pins %v, %v; want row 3", pins, err)
	}
}

func TestUsageAndRetire(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	a := closedRow(t, s, "", "a", t0, 100)
	closedRow(t, s, "", "a", t0.Add(time.Minute), 50)
	closedRow(t, s, "", "b", t0.Add(2*time.Minute), 7)
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
	if u, _ := s.Usage(ctx, "live", ""); u.Bytes != 57 {
		t.Errorf("usage after retire %+v", u)
	}
}

// TestRemovableQueryPlanUsesRetentionIndex: a pass reads its candidates
// from the retention index, not a scan of the table.
func TestRemovableQueryPlanUsesRetentionIndex(t *testing.T) {
	s := openTemp(t)
	rows, err := s.db.Query("EXPLAIN QUERY PLAN SELECT id FROM recordings r WHERE app = 'live' AND recorder = '' AND status IN ('done', 'failed') AND pinned = 0 ORDER BY start_ms, id LIMIT 10")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		rows.Scan(&id, &parent, &unused, &detail)
		plan.WriteString(detail + "\n")
	}
	if !strings.Contains(plan.String(), "recordings_retention") || strings.Contains(plan.String(), "SCAN r\n") {
		t.Errorf("plan:\n%s", plan.String())
	}
}
