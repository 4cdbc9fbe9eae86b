package record

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// eventRecorder is an `all event` recorder with short event defaults.
func eventRecorder(t testing.TB, name string) *conf.Recorder {
	rc := newRecorder(t, name, all|conf.RecordEvent)
	rc.EventBefore, rc.EventAfter, rc.EventMaxBefore = 3*time.Second, 2*time.Second, 5*time.Second
	rc.SpoolMaxSize = 256 << 20
	return rc
}

// marks collects the FileEventMarked events of a module.
type marks struct {
	mu  sync.Mutex
	evs []FileEvent
}

func (m *marks) add(ev FileEvent) {
	if ev.Kind == FileEventMarked {
		m.mu.Lock()
		m.evs = append(m.evs, ev)
		m.mu.Unlock()
	}
}

func (m *marks) all() []FileEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]FileEvent(nil), m.evs...)
}

// splitAt returns the frames before time t and the rest.
func splitAt(fs []media.Frame, t int64) (before, rest []media.Frame) {
	for i, f := range fs {
		if f.Time >= t && !f.SeqHeader {
			return fs[:i], fs[i:]
		}
	}
	return fs, nil
}

func dur(d time.Duration) *time.Duration { return &d }

// TestEventFileBounds: the event file starts at the last key frame at or
// before trigger - before and ends before the first break frame after
// trigger + after; its frames are exactly those of a continuous recorder
// of the same stream over that span.
func TestEventFileBounds(t *testing.T) {
	cont := newRecorder(t, "all", all)
	ev := eventRecorder(t, "ev")
	var mk marks
	r := newRigWith(t, func(m *Module) { m.FileEvents(mk.add) }, cont, ev)
	fs := stream{dur: 20000, gop: 25, audio: true, headers: true}.frames()
	head, tail := splitAt(fs, 10000)
	r.feed(head...) // the newest frame is just before 10 s
	trig := head[len(head)-1].Time
	res, err := r.m.Event(EventRequest{App: "live", Name: "cam", ID: "alarm_001", Title: "door", Level: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Before != 3*time.Second || res.After != 2*time.Second || res.Clamped || res.Extended || res.Recorder != "ev" {
		t.Fatalf("result %+v", res)
	}
	r.feed(tail...)
	r.close(rtmp.CloseUnpublish)

	evFile := closedBy(t, r, "ev")
	if len(evFile) != 1 || evFile[0].Reason != ReasonEvent {
		t.Fatalf("event files %+v", evFile)
	}
	got := mediaTags(readFLV(t, evFile[0].Path))
	first, last := int64(got[0].Timestamp)+evFile[0].FirstTime, int64(got[len(got)-1].Timestamp)+evFile[0].FirstTime
	wantFirst := (trig - 3000) / 1000 * 1000 // key frames every second
	if evFile[0].FirstTime != wantFirst || got[0].Type != flv.TagVideo || !got[0].IsKeyframe() || first != wantFirst {
		t.Fatalf("event file starts at %d (%s), want the key frame at %d", evFile[0].FirstTime, tagString(&got[0]), wantFirst)
	}
	end := trig + 2000
	if last < end-40 || last >= (end/1000+1)*1000 {
		t.Fatalf("event file ends at %d, want between %d and the key frame after %d", last, end-40, end)
	}
	// the continuous file over the same span holds the same tags
	all := mediaTags(readFLV(t, closedBy(t, r, "all")[0].Path))
	var span []flv.Tag
	for _, tg := range all {
		if ts := int64(tg.Timestamp); ts >= first && ts <= last {
			span = append(span, tg)
		}
	}
	if len(span) != len(got) {
		t.Fatalf("event file has %d tags, the continuous one %d over [%d, %d]", len(got), len(span), first, last)
	}
	for i := range got {
		if int64(got[i].Timestamp)+first != int64(span[i].Timestamp) || string(got[i].Data) != string(span[i].Data) {
			t.Fatalf("tag %d differs: %s vs %s", i, tagString(&got[i]), tagString(&span[i]))
		}
	}
	m := mk.all()
	if len(m) != 1 || m[0].Path != evFile[0].Path || m[0].Event.ID != "alarm_001" || m[0].Event.Name != "door" ||
		m[0].Event.Level != 2 || m[0].Event.Offset != time.Duration(trig-wantFirst)*time.Millisecond {
		t.Fatalf("marks %+v", m)
	}
}

// closedBy returns the record-done events of recorder rec.
func closedBy(t *testing.T, r *rig, rec string) []Event {
	t.Helper()
	var out []Event
	for _, ev := range r.doneEvents() {
		if ev.Recorder == rec {
			out = append(out, ev)
		}
	}
	return out
}

// TestEventRetriggerExtends: a second event while the file is open moves
// its end and gets its own row in the same file; the request's before is
// clamped to record_event_max_before and the result says so.
func TestEventRetriggerExtends(t *testing.T) {
	var mk marks
	r := newRigWith(t, func(m *Module) { m.FileEvents(mk.add) }, eventRecorder(t, "ev"))
	fs := stream{dur: 20000, gop: 25, audio: true, headers: true}.frames()
	a, rest := splitAt(fs, 8000)
	b, c := splitAt(rest, 9500)
	r.feed(a...)
	res1, err := r.m.Event(EventRequest{App: "live", Name: "cam", ID: "one", Before: dur(time.Minute)})
	if err != nil || !res1.Clamped || res1.Before != 5*time.Second {
		t.Fatalf("first event %+v, %v", res1, err)
	}
	r.feed(b...)
	res2, err := r.m.Event(EventRequest{App: "live", Name: "cam", ID: "two", After: dur(3 * time.Second)})
	if err != nil || !res2.Extended || res2.Path != res1.Path {
		t.Fatalf("second event %+v, %v", res2, err)
	}
	r.feed(c...)
	r.close(rtmp.CloseUnpublish)
	done := r.doneEvents()
	if len(done) != 1 {
		t.Fatalf("files %v", r.paths())
	}
	if done[0].FirstTime != 2000 || done[0].LastTime < 12400 || done[0].LastTime >= 13000 {
		t.Fatalf("file spans %d..%d, want 2000 (the key frame at or before 7.98 s - 5 s) to 12.4..13 s", done[0].FirstTime, done[0].LastTime)
	}
	m := mk.all()
	if len(m) != 2 || m[1].Event.ID != "two" || m[1].Event.Offset <= m[0].Event.Offset {
		t.Fatalf("marks %+v", m)
	}
}

// TestEventSplitCarriesRows: an event longer than record_max_frames
// splits like any recording, and its row follows into the next file.
func TestEventSplitCarriesRows(t *testing.T) {
	var mk marks
	rc := eventRecorder(t, "ev")
	rc.MaxFrames = 100
	r := newRigWith(t, func(m *Module) { m.FileEvents(mk.add) }, rc)
	fs := stream{dur: 12000, gop: 25, audio: true, headers: true}.frames()
	a, b := splitAt(fs, 4000)
	r.feed(a...)
	if _, err := r.m.Event(EventRequest{App: "live", Name: "cam", ID: "long", After: dur(5 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	r.feed(b...)
	r.close(rtmp.CloseUnpublish)
	paths := r.paths()
	m := mk.all()
	if len(paths) < 2 || len(m) != len(paths) {
		t.Fatalf("files %v, marks %d", paths, len(m))
	}
	for i, ev := range m {
		if ev.Path != paths[i] || ev.Event.ID != "long" || i > 0 && ev.Event.Offset != 0 {
			t.Fatalf("mark %d %+v for files %v", i, ev, paths)
		}
	}
}

// TestEventErrors: no stream, a recorder without event, and none at all.
func TestEventErrors(t *testing.T) {
	r := newRig(t, newRecorder(t, "plain", all), eventRecorder(t, "ev"))
	if _, err := r.m.Event(EventRequest{App: "live", Name: "nope"}); !errors.Is(err, ErrNoStream) {
		t.Fatalf("unknown stream: %v", err)
	}
	plain := "plain"
	if _, err := r.m.Event(EventRequest{App: "live", Name: "cam", Recorder: &plain}); !errors.Is(err, ErrNotEvent) {
		t.Fatalf("plain recorder: %v", err)
	}
	missing := "zz"
	if _, err := r.m.Event(EventRequest{App: "live", Name: "cam", Recorder: &missing}); !errors.Is(err, ErrNoRecorder) {
		t.Fatalf("missing recorder: %v", err)
	}
	r2 := newRig(t, newRecorder(t, "plain", all))
	if _, err := r2.m.Event(EventRequest{App: "live", Name: "cam"}); !errors.Is(err, ErrNotEvent) {
		t.Fatalf("no event recorder: %v", err)
	}
}

// TestEventSpoolRemoved: the ring file exists while the stream publishes
// and is gone after unpublish; CleanSpool removes what a crash left.
func TestEventSpoolRemoved(t *testing.T) {
	rc := eventRecorder(t, "ev")
	r := newRig(t, rc)
	r.feed(stream{dur: 2000, gop: 25, audio: true, headers: true}.frames()...)
	rings, _ := filepath.Glob(filepath.Join(rc.SpoolDir(), "*"+spoolSuffix))
	if len(rings) != 1 {
		t.Fatalf("spool files while publishing: %v", rings)
	}
	if st, err := os.Stat(rings[0]); err != nil || st.Size() == 0 {
		t.Fatalf("ring file %v, %v", st, err)
	}
	r.close(rtmp.CloseUnpublish)
	if _, err := os.Stat(rings[0]); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ring file after unpublish: %v", err)
	}
	stale := filepath.Join(rc.SpoolDir(), "99-1-0"+spoolSuffix)
	other := filepath.Join(rc.SpoolDir(), "keep.txt")
	for _, p := range []string{stale, other} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n, err := CleanSpool(rc.SpoolDir())
	if err != nil || n != 1 {
		t.Fatalf("CleanSpool: %d, %v", n, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("stale ring file kept")
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatal("CleanSpool removed a file that is not a ring")
	}
}

// TestEventSpoolDiskFull: when the ring file cannot be written the
// pre-roll moves to memory with one warning, and events still record
// with what memory holds.
func TestEventSpoolDiskFull(t *testing.T) {
	rc := eventRecorder(t, "ev")
	spoolDir := t.TempDir()
	rc.Spool = spoolDir
	r := newRig(t, rc)
	// the node's ring file is a link to /dev/full: every write fails ENOSPC
	ring := r.h.nodes[0].pre.path
	if err := os.Symlink("/dev/full", ring); err != nil {
		t.Fatal(err)
	}
	fs := stream{dur: 8000, gop: 25, audio: true, headers: true}.frames()
	a, b := splitAt(fs, 6000)
	r.feed(a...)
	res, err := r.m.Event(EventRequest{App: "live", Name: "cam", After: dur(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	r.feed(b...)
	r.close(rtmp.CloseUnpublish)
	if n := strings.Count(r.logs.String(), "cannot write the pre-roll spool"); n != 1 {
		t.Fatalf("%d spool warnings, want 1:\n%s", n, r.logs.String())
	}
	done := r.doneEvents()
	if len(done) != 1 || done[0].Path != res.Path || done[0].FirstTime >= 5000 || done[0].FirstTime < 2000 {
		t.Fatalf("event file %+v: want a pre-roll of what 512 KiB holds (the stream is small: from 3 s)", done)
	}
	if _, err := os.Lstat(ring); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("failed ring file left: %v", err)
	}
}

// TestEventDuringHandStartedFile: record/start on an event recorder
// opens a file that runs until record/stop; an event during it gets its
// row and ends nothing.
func TestEventDuringHandStartedFile(t *testing.T) {
	var mk marks
	r := newRigWith(t, func(m *Module) { m.FileEvents(mk.add) }, eventRecorder(t, "ev"))
	fs := stream{dur: 12000, gop: 25, audio: true, headers: true}.frames()
	a, rest := splitAt(fs, 2000)
	b, c := splitAt(rest, 3000)
	r.feed(a...)
	path, err := r.m.Start("live", "cam", "ev")
	if err != nil {
		t.Fatal(err)
	}
	r.feed(b...)
	res, err := r.m.Event(EventRequest{App: "live", Name: "cam", ID: "during", After: dur(time.Second)})
	if err != nil || !res.Extended || res.Path != path {
		t.Fatalf("event %+v, %v", res, err)
	}
	r.feed(c...)
	if _, err := r.m.Stop("live", "cam", "ev"); err != nil {
		t.Fatal(err)
	}
	done := r.doneEvents()
	if len(done) != 1 || done[0].Reason != ReasonStop || done[0].LastTime < 11900 {
		t.Fatalf("files %+v: want one running to the stop", done)
	}
	if m := mk.all(); len(m) != 1 || m[0].Event.ID != "during" || m[0].Path != path {
		t.Fatalf("marks %+v", m)
	}
}
