package retention

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

const day = 24 * time.Hour

// TestMaxAge removes exactly the recordings that ended more than
// max_age ago, never a pinned one or one of a recorder without rules;
// a row whose file is gone becomes missing, a file without a row stays.
func TestMaxAge(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := e.now.Add(-40 * day)
	rows := []index.Recording{
		e.file("", "cam", old, 100),                                                  // expired
		e.file("", "cam", e.now.Add(-10*day), 100),                                   // young
		e.file("", "cam", old.Add(time.Hour), 100),                                   // expired but pinned
		e.file("keep", "cam", old, 100),                                              // recorder without rules
		e.row("", "cam", filepath.Join(e.root, "gone.flv"), old.Add(2*time.Hour), 5), // file removed by hand
	}
	pin := true
	e.store.Mark(ctx, rows[2].ID, index.Mark{Pinned: &pin})
	stray := filepath.Join(e.root, "stray.flv")
	os.WriteFile(stray, []byte("x"), 0o644)

	c := e.cleaner(e.policy("", conf.Retention{MaxAge: 30 * day}), e.policy("keep", conf.Retention{}))
	got := c.Pass(ctx)
	e.expect(rows, []string{"deleted:max_age", "done", "done", "done", "missing:max_age"})
	if len(got) != 2 {
		t.Errorf("pass removed %d, want 2", len(got))
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("file without a row: %v", err)
	}
	if !strings.Contains(e.log.String(), "retention: removed") || !strings.Contains(e.log.String(), "rule=max_age") ||
		!strings.Contains(e.log.String(), "size=100") {
		t.Errorf("log:\n%s", e.log.String())
	}
	st := c.Status()
	if st.Removed[RuleMaxAge] != (RuleCount{Files: 1, Bytes: 100}) || st.Missing != 1 {
		t.Errorf("status %+v", st)
	}
	f, _ := os.Open(e.jpath)
	defer f.Close()
	entries, err := index.ReadJournal(f)
	if err != nil || len(entries) != 2 || entries[0].Op != index.OpDelete || entries[0].Row.RemovedBy != RuleMaxAge {
		t.Errorf("journal %+v, %v", entries, err)
	}
}

// TestQuotasWithSeveralStreams: stream_max_files and stream_quota work
// per stream path, max_total over the recorder, oldest first.
func TestQuotasWithSeveralStreams(t *testing.T) {
	e := newEnv(t)
	at := func(m int) time.Time { return e.now.Add(time.Duration(m-100) * time.Minute) }
	var rows []index.Recording
	// a: 4 files of 100 (too many files); b: 3 files of 300 (over quota); c: 1 file of 50
	for i, spec := range []struct {
		name string
		size int
	}{{"a", 100}, {"b", 300}, {"a", 100}, {"b", 300}, {"a", 100}, {"c", 50}, {"b", 300}, {"a", 100}} {
		rows = append(rows, e.file("", spec.name, at(i*2), spec.size))
	}
	c := e.cleaner(e.policy("", conf.Retention{StreamMaxFiles: 3, StreamQuota: 700, MaxTotal: 1000}))
	c.Pass(context.Background())
	// a keeps its newest 3 (300); b drops its oldest (600 left); total
	// 300+600+50 = 950 fits max_total
	e.expect(rows, []string{"deleted:stream_max_files", "deleted:stream_quota", "done", "done", "done", "done", "done", "done"})

	c2 := e.cleaner(e.policy("", conf.Retention{MaxTotal: 500}))
	c2.Pass(context.Background())
	// 950 → oldest go until ≤ 500: a@4 (100), b@6 (300) → 550, a@8 (100) → 450
	e.expect(rows, []string{"deleted:stream_max_files", "deleted:stream_quota", "deleted:max_total", "deleted:max_total",
		"deleted:max_total", "done", "done", "done"})
}

// TestEventsKeepTheirRecordingsAndTheFootageTheyOverlap: an event at
// the keep level keeps its event recording and the continuous segment
// it overlaps past max_age, until event_max_age.
func TestEventsKeepTheirRecordingsAndTheFootageTheyOverlap(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := e.now.Add(-40 * day)
	cont := []index.Recording{e.file("", "cam", old, 100), e.file("", "cam", old.Add(time.Minute), 100), e.file("", "cam", old.Add(2*time.Minute), 100)}
	evPath := filepath.Join(e.root, "ev", "cam-event.flv")
	os.MkdirAll(filepath.Dir(evPath), 0o755)
	os.WriteFile(evPath, make([]byte, 10), 0o644)
	evRow := index.Recording{StreamPath: "live/cam", App: "live", Name: "cam", Recorder: "ev", Format: "flv", Path: evPath,
		Start: old.Add(70 * time.Second)}
	trig := old.Add(90 * time.Second) // inside the second continuous file
	err := e.store.Apply(ctx, []index.Change{
		{Kind: index.EventMarked, Row: evRow, Event: &index.Event{EventID: "alarm", Level: 2, Trigger: trig, Before: 10 * time.Second, After: 10 * time.Second}},
		{Kind: index.Closed, Row: func() index.Recording {
			r := evRow
			r.Status, r.End, r.Size = index.StatusDone, old.Add(110*time.Second), 10
			return r
		}()},
	})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := e.store.Live(ctx, evPath)
	rows := append(cont, ev)
	keep := conf.Retention{MaxAge: 30 * day, KeepLevel: 1}
	e.cleaner(e.policy("", keep), e.policy("ev", keep)).Pass(ctx)
	e.expect(rows, []string{"deleted:max_age", "done", "deleted:max_age", "done"})

	// above the event's level nothing protects
	e2 := conf.Retention{MaxAge: 30 * day, KeepLevel: 3}
	e.cleaner(e.policy("ev", e2)).Pass(ctx)
	e.expect(rows[3:], []string{"deleted:max_age"})

	// and with event_max_age the pin ends
	e.cleaner(e.policy("", conf.Retention{MaxAge: 30 * day, KeepLevel: 1, EventMaxAge: 35 * day})).Pass(ctx)
	e.expect(rows[1:2], []string{"deleted:max_age"})
}

// TestBusyAndInProgressNeverRemoved: a file a live writer holds (the
// writers' lock mark) and a row in status recording stay.
func TestBusyAndInProgressNeverRemoved(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := e.now.Add(-40 * day)
	held := e.file("", "cam", old, 100)
	f, err := os.OpenFile(held.Path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := recfile.Mark(f); err != nil {
		t.Fatal(err)
	}
	live := e.file("", "cam2", old, 100)
	live.Status = index.StatusRecording
	e.store.Put(ctx, &live)
	e.cleaner(e.policy("", conf.Retention{MaxAge: day})).Pass(ctx)
	e.expect([]index.Recording{held}, []string{"done"})
	if st, _ := e.status(live); st != index.StatusRecording {
		t.Errorf("in-progress row became %s", st)
	}
	if _, err := os.Stat(live.Path); err != nil {
		t.Errorf("in-progress file: %v", err)
	}
}

// TestHLSDirectoryRemovedWhole: an HLS recording goes as one directory.
func TestHLSDirectoryRemovedWhole(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.root, "cam-hls")
	os.MkdirAll(dir, 0o755)
	for _, n := range []string{recfile.DirLock, "index.m3u8", "init.mp4", "000001.m4s"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	r := e.row("", "cam", dir, e.now.Add(-40*day), 4)
	e.cleaner(e.policy("", conf.Retention{MaxAge: day})).Pass(context.Background())
	e.expect([]index.Recording{r}, []string{"deleted:max_age"})
}

// TestDryRunChangesNothing reports what a pass would remove.
func TestDryRunChangesNothing(t *testing.T) {
	e := newEnv(t)
	rows := []index.Recording{e.file("", "cam", e.now.Add(-40*day), 100), e.file("", "cam", e.now.Add(-20*day), 100)}
	var said []Removal
	c := e.cleaner(e.policy("", conf.Retention{MaxAge: 30 * day}))
	c.o.DryRun, c.o.Report = true, func(rm Removal) { said = append(said, rm) }
	c.Pass(context.Background())
	e.expect(rows, []string{"done", "done"})
	if len(said) != 1 || said[0].Row.ID != rows[0].ID || said[0].Rule != RuleMaxAge {
		t.Errorf("dry run said %+v", said)
	}
}

// TestReloadAppliesAtNextPass: the policies are read at every pass.
func TestReloadAppliesAtNextPass(t *testing.T) {
	e := newEnv(t)
	rows := []index.Recording{e.file("", "cam", e.now.Add(-40*day), 100), e.file("", "cam", e.now.Add(-20*day), 100)}
	pol := e.policy("", conf.Retention{MaxAge: 30 * day})
	c := e.cleaner()
	c.o.Policies = func() []Policy { return []Policy{pol} }
	c.Pass(context.Background())
	e.expect(rows, []string{"deleted:max_age", "done"})
	pol.MaxAge = 10 * day
	c.Pass(context.Background())
	e.expect(rows, []string{"deleted:max_age", "deleted:max_age"})
}

// TestDryRunSaysWhatAPassThenDoes: with rules that overlap (max_age
// removes what stream_max_files and max_total would count), a dry run
// reports each recording once, with the rule that would remove it, and
// quotas count what earlier rules would remove: its report is what the
// real pass then removes.
func TestDryRunSaysWhatAPassThenDoes(t *testing.T) {
	e := newEnv(t)
	var rows []index.Recording
	for i := range 6 {
		rows = append(rows, e.file("", "cam", e.now.Add(-time.Duration(40-5*i)*day), 100))
	}
	pol := e.policy("", conf.Retention{MaxAge: 30 * day, StreamMaxFiles: 3, MaxTotal: 250})
	type said struct {
		id   int64
		rule string
	}
	run := func(dry bool) []said {
		var out []said
		c := e.cleaner(pol)
		c.o.DryRun, c.o.Report = dry, func(rm Removal) { out = append(out, said{rm.Row.ID, rm.Rule}) }
		c.Pass(context.Background())
		return out
	}
	dry := run(true)
	e.expect(rows, []string{"done", "done", "done", "done", "done", "done"})
	real := run(false)
	// rows 0 and 1 ended over 30 days ago; of the 4 left,
	// stream_max_files takes row 2; max_total, 300 over 250, takes row 3
	want := []said{{rows[0].ID, RuleMaxAge}, {rows[1].ID, RuleMaxAge}, {rows[2].ID, RuleStreamMaxFiles}, {rows[3].ID, RuleMaxTotal}}
	if !slices.Equal(dry, want) || !slices.Equal(real, want) {
		t.Errorf("dry run said %v, the pass did %v; want %v", dry, real, want)
	}
	e.expect(rows, []string{"deleted:max_age", "deleted:max_age", "deleted:stream_max_files", "deleted:max_total", "done", "done"})
}
