// Package storetest is the behaviour every index.Store must have, as one
// suite that each implementation's tests run (SQLite today, PostgreSQL
// next), so that the API and the writer see the same semantics.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// Run runs the suite; open returns an empty store.
func Run(t *testing.T, open func(t *testing.T) index.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, index.Store)
	}{
		{"OpenedThenClosedIsOneDoneRow", openedThenClosed},
		{"ClosedWithoutOpenedCreatesTheRow", closedWithoutOpened},
		{"ProgressUpdatesOnlyTheRecordingRow", progressUpdates},
		{"DiscardedRemovesTheRow", discardedRemoves},
		{"AppendReopensTheSameRowKeepingStartAndPin", appendReopens},
		{"DeletedPathGetsANewRowForANewFile", deletedPathReused},
		{"ListFiltersByStreamAndTimeOverlap", listFilters},
		{"ListPagesNewestFirstWithTotal", listPages},
		{"CatalogSumsPerStream", catalog},
		{"GetUnknownIsNotFound", getUnknown},
		{"EventsLinkToTheirRecordings", eventsLinked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var t0 = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)

// Row returns a row of stream app/name opened at start.
func Row(app, name, path string, start time.Time) index.Recording {
	return index.Recording{StreamPath: app + "/" + name, App: app, Name: name, Format: "flv",
		Path: path, Start: start, Updated: start}
}

func apply(t *testing.T, s index.Store, cs ...index.Change) {
	t.Helper()
	if err := s.Apply(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
}

func live(t *testing.T, s index.Store, path string) index.Recording {
	t.Helper()
	r, err := s.Live(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func closed(r index.Recording, end time.Time, size int64) index.Recording {
	r.Status, r.End, r.Size, r.Duration, r.Reason = index.StatusDone, end, size, end.Sub(r.Start), "unpublish"
	r.VideoFrames, r.AudioFrames, r.Keyframes, r.VideoCodec, r.Width, r.Height = 250, 430, 5, "h264", 320, 240
	return r
}

func openedThenClosed(t *testing.T, s index.Store) {
	r := Row("live", "cam1", "/rec/cam1.flv", t0)
	apply(t, s, index.Change{Kind: index.Opened, Row: r})
	got := live(t, s, r.Path)
	if got.Status != index.StatusRecording || got.ID == 0 || !got.Start.Equal(t0) {
		t.Fatalf("after opened: %+v", got)
	}
	apply(t, s, index.Change{Kind: index.Closed, Row: closed(r, t0.Add(10*time.Second), 12345)})
	done := live(t, s, r.Path)
	if done.ID != got.ID || done.Status != index.StatusDone || done.Size != 12345 || done.Duration != 10*time.Second ||
		done.VideoFrames != 250 || done.Keyframes != 5 || done.Width != 320 || done.Reason != "unpublish" {
		t.Fatalf("after closed: %+v", done)
	}
}

func closedWithoutOpened(t *testing.T, s index.Store) {
	r := Row("live", "cam1", "/rec/cam1.flv", t0)
	apply(t, s, index.Change{Kind: index.Closed, Row: closed(r, t0.Add(time.Second), 10)})
	if got := live(t, s, r.Path); got.Status != index.StatusDone || got.Size != 10 {
		t.Fatalf("got %+v", got)
	}
}

func progressUpdates(t *testing.T, s index.Store) {
	r := Row("live", "cam1", "/rec/cam1.flv", t0)
	apply(t, s, index.Change{Kind: index.Opened, Row: r})
	p := r
	p.Size, p.Duration = 5000, 3*time.Second
	apply(t, s, index.Change{Kind: index.Progress, Row: p})
	if got := live(t, s, r.Path); got.Size != 5000 || got.Duration != 3*time.Second || got.Status != index.StatusRecording {
		t.Fatalf("after progress: %+v", got)
	}
	apply(t, s, index.Change{Kind: index.Closed, Row: closed(r, t0.Add(9*time.Second), 9000)})
	p.Size = 1 // a late progress must not undo the close
	apply(t, s, index.Change{Kind: index.Progress, Row: p})
	if got := live(t, s, r.Path); got.Size != 9000 || got.Status != index.StatusDone {
		t.Fatalf("late progress changed a done row: %+v", got)
	}
}

func discardedRemoves(t *testing.T, s index.Store) {
	r := Row("live", "cam1", "/rec/cam1.flv", t0)
	apply(t, s, index.Change{Kind: index.Opened, Row: r}, index.Change{Kind: index.Discarded, Row: r})
	if _, err := s.Live(context.Background(), r.Path); !errors.Is(err, index.ErrNotFound) {
		t.Fatalf("discarded row still there: %v", err)
	}
}

func appendReopens(t *testing.T, s index.Store) {
	r := Row("live", "cam1", "/rec/cam1.flv", t0)
	apply(t, s, index.Change{Kind: index.Opened, Row: r}, index.Change{Kind: index.Closed, Row: closed(r, t0.Add(time.Minute), 100)})
	first := live(t, s, r.Path)
	first.Pinned = true
	if err := s.Put(context.Background(), &first); err != nil {
		t.Fatal(err)
	}
	again := Row("live", "cam1", "/rec/cam1.flv", t0.Add(time.Hour))
	apply(t, s, index.Change{Kind: index.Opened, Row: again})
	mid := live(t, s, r.Path)
	if mid.ID != first.ID || mid.Status != index.StatusRecording || !mid.Start.Equal(t0) || !mid.Pinned {
		t.Fatalf("append reopen: %+v", mid)
	}
	apply(t, s, index.Change{Kind: index.Closed, Row: closed(again, t0.Add(2*time.Hour), 300)})
	if got := live(t, s, r.Path); !got.Start.Equal(t0) || got.Size != 300 || !got.Pinned {
		t.Fatalf("append close: %+v", got)
	}
}

func deletedPathReused(t *testing.T, s index.Store) {
	r := Row("live", "cam1", "/rec/cam1.flv", t0)
	apply(t, s, index.Change{Kind: index.Closed, Row: closed(r, t0.Add(time.Second), 1)})
	old := live(t, s, r.Path)
	old.Status = index.StatusDeleted
	if err := s.Put(context.Background(), &old); err != nil {
		t.Fatal(err)
	}
	apply(t, s, index.Change{Kind: index.Opened, Row: Row("live", "cam1", "/rec/cam1.flv", t0.Add(time.Hour))})
	nw := live(t, s, r.Path)
	if nw.ID == old.ID || nw.Status != index.StatusRecording {
		t.Fatalf("new file reused the deleted row: %+v", nw)
	}
	if got, _ := s.Get(context.Background(), old.ID); got.Status != index.StatusDeleted {
		t.Fatalf("deleted row changed: %+v", got)
	}
}

// seed writes n closed one-minute rows per stream, a minute apart.
func seed(t *testing.T, s index.Store, streams []string, n int) {
	t.Helper()
	var cs []index.Change
	for _, st := range streams {
		for i := range n {
			r := Row("live", st, fmt.Sprintf("/rec/%s-%d.flv", st, i), t0.Add(time.Duration(i)*time.Minute))
			cs = append(cs, index.Change{Kind: index.Closed, Row: closed(r, r.Start.Add(50*time.Second), int64(i+1))})
		}
	}
	apply(t, s, cs...)
}

func listFilters(t *testing.T, s index.Store) {
	seed(t, s, []string{"cam1", "cam2"}, 10)
	ctx := context.Background()
	// 14:02:30-14:04:10 overlaps the files opened at 14:02 (ends 14:02:50), 14:03 and 14:04.
	rows, total, err := s.List(ctx, index.Query{StreamPath: "live/cam1", Start: t0.Add(150 * time.Second), End: t0.Add(250 * time.Second), Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	if total != 3 || len(rows) != 3 || rows[0].Path != "/rec/cam1-4.flv" || rows[2].Path != "/rec/cam1-2.flv" {
		t.Fatalf("total %d rows %v", total, paths(rows))
	}
	if _, total, _ = s.List(ctx, index.Query{StreamPath: "live/cam1", Format: "mp4", Size: 10}); total != 0 {
		t.Fatalf("format filter: %d", total)
	}
	rec := "other"
	if _, total, _ = s.List(ctx, index.Query{StreamPath: "live/cam1", Recorder: &rec, Size: 10}); total != 0 {
		t.Fatalf("recorder filter: %d", total)
	}
}

func listPages(t *testing.T, s index.Store) {
	seed(t, s, []string{"cam1"}, 25)
	ctx := context.Background()
	p1, total, err := s.List(ctx, index.Query{StreamPath: "live/cam1", Page: 1, Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	p3, _, _ := s.List(ctx, index.Query{StreamPath: "live/cam1", Page: 3, Size: 10})
	if total != 25 || len(p1) != 10 || len(p3) != 5 || p1[0].Path != "/rec/cam1-24.flv" || p3[4].Path != "/rec/cam1-0.flv" {
		t.Fatalf("total %d p1 %v p3 %v", total, paths(p1), paths(p3))
	}
}

func catalog(t *testing.T, s index.Store) {
	seed(t, s, []string{"cam1", "cam2"}, 3)
	cat, err := s.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cat) != 2 || cat[0].StreamPath != "live/cam1" || cat[0].Count != 3 || cat[0].Size != 6 ||
		cat[0].Duration != 150*time.Second || !cat[0].FirstStart.Equal(t0) || !cat[0].LastStart.Equal(t0.Add(2*time.Minute)) ||
		len(cat[0].Formats) != 1 || cat[0].Formats[0] != "flv" {
		t.Fatalf("catalog %+v", cat)
	}
}

func getUnknown(t *testing.T, s index.Store) {
	if _, err := s.Get(context.Background(), 999); !errors.Is(err, index.ErrNotFound) {
		t.Fatalf("got %v", err)
	}
}

func paths(rs []index.Recording) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Path)
	}
	return out
}

// event is an EventMarked change for the file of r.
func event(r index.Recording, id string, trigger time.Time, offset time.Duration) index.Change {
	return index.Change{Kind: index.EventMarked, Row: r, Event: &index.Event{EventID: id, Name: "name " + id,
		Desc: "desc", Level: 3, Trigger: trigger, Offset: offset, Before: 30 * time.Second, After: time.Minute}}
}

// eventsLinked: events get rows linked to their recording, newest first;
// the first names the recording (eventOnly); an event that a split
// carries into the next file has a row there too; an event for a file
// whose Opened was lost creates its row.
func eventsLinked(t *testing.T, s index.Store) {
	ctx := context.Background()
	a := Row("live", "cam", "/rec/a.flv", t0)
	b := Row("live", "cam", "/rec/b.flv", t0.Add(time.Minute))
	apply(t, s, index.Change{Kind: index.Opened, Row: a},
		event(a, "e1", t0.Add(30*time.Second), 30*time.Second),
		event(a, "e2", t0.Add(50*time.Second), 50*time.Second),
		index.Change{Kind: index.Closed, Row: closed(a, t0.Add(time.Minute), 10)},
		event(b, "e2", t0.Add(50*time.Second), 0)) // b: no Opened
	ra, rb := live(t, s, a.Path), live(t, s, b.Path)
	if ra.EventID != "e1" || ra.EventName != "name e1" || ra.EventLevel != 3 || ra.Status != index.StatusDone {
		t.Fatalf("row a %+v", ra)
	}
	if rb.Status != index.StatusRecording || rb.EventID != "e2" {
		t.Fatalf("row b %+v", rb)
	}
	evs, n, err := s.Events(ctx, index.EventQuery{RecordingIDs: []int64{ra.ID}})
	if err != nil || n != 2 || len(evs) != 2 {
		t.Fatalf("events of a: %+v, %d, %v", evs, n, err)
	}
	if e := evs[0]; e.EventID != "e2" || e.RecordingID != ra.ID || e.Path != a.Path || e.Offset != 50*time.Second ||
		!e.Trigger.Equal(t0.Add(50*time.Second)) || e.Before != 30*time.Second || e.After != time.Minute ||
		e.StreamPath != "live/cam" || e.Desc != "desc" {
		t.Fatalf("newest event of a %+v", e)
	}
	carried, n, err := s.Events(ctx, index.EventQuery{EventID: "e2"})
	if err != nil || n != 2 || carried[0].RecordingID == carried[1].RecordingID {
		t.Fatalf("e2 rows %+v, %d, %v", carried, n, err)
	}
	page, n, err := s.Events(ctx, index.EventQuery{StreamPath: "live/cam", Start: t0.Add(40 * time.Second), Page: 1, Size: 1})
	if err != nil || n != 2 || len(page) != 1 || page[0].EventID != "e2" {
		t.Fatalf("page %+v, %d, %v", page, n, err)
	}
	only, _, err := s.List(ctx, index.Query{EventOnly: true, Page: 1, Size: 10})
	if err != nil || len(only) != 2 {
		t.Fatalf("eventOnly list %d rows, %v", len(only), err)
	}
	cat, err := s.Catalog(ctx)
	if err != nil || len(cat) != 1 || cat[0].Events != 3 {
		t.Fatalf("catalog %+v, %v: want 3 events (e2 counts in both files)", cat, err)
	}
}
