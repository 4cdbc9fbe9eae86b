package index_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// golden is a file our recorder wrote (H.264 + AAC), from record's tests.
func golden(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "record", "testdata", "golden", "avc_aac.flv"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func put(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestProbeFLVCountsWhatTheStrictReaderSees(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.flv")
	put(t, path, golden(t))
	f, err := index.ProbeFLV(path)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := flv.Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	wantVideo := int64(sum.Video) - 1 // one sequence header
	wantAudio := int64(sum.Audio) - 1
	if f.VideoFrames != wantVideo || f.AudioFrames != wantAudio || f.Keyframes != int64(sum.Keyframes) ||
		f.Duration != time.Duration(sum.LastTimestamp-sum.FirstTimestamp)*time.Millisecond ||
		f.VideoCodec != "h264" || f.AudioCodec != "aac" || f.Width == 0 || f.Creator != "rtmprecd" || f.Unfinished {
		t.Fatalf("facts %+v, strict reader %+v", f, sum)
	}
}

func TestProbeFLVOfATornFileGivesItsWholeTags(t *testing.T) {
	b := golden(t)
	path := filepath.Join(t.TempDir(), "a.flv")
	put(t, path, b[:len(b)-100])
	f, err := index.ProbeFLV(path)
	if err != nil || f.Torn == nil || !f.Unfinished || f.VideoFrames == 0 {
		t.Fatalf("facts %+v: %v", f, err)
	}
	put(t, path, []byte("not an flv file at all"))
	if _, err := index.ProbeFLV(path); err == nil {
		t.Fatal("a non-FLV file probed")
	}
}

// TestRebuildFindsRecordingsByTheRuleAndIsIdempotent lays out what a
// record path holds: pieces of one stream with and without record_unique,
// a hidden journal, a hidden directory, a file of another suffix and a
// file that is not FLV. Rebuild adds exactly the recordings, with the
// stream names undone from the file names; a second run changes nothing.
func TestRebuildFindsRecordingsByTheRuleAndIsIdempotent(t *testing.T) {
	s, _ := openStore(t)
	dir := t.TempDir()
	b := golden(t)
	for _, n := range []string{"cam1.flv", "cam1-1.flv", "cam-9.flv", "a%2Fb.flv", ".hidden.flv", ".spool/x.flv", "notes.txt"} {
		put(t, filepath.Join(dir, n), b)
	}
	put(t, filepath.Join(dir, "junk.flv"), []byte("junk"))
	uniq := filepath.Join(dir, "u")
	put(t, filepath.Join(uniq, "cam2-1772373600.flv"), b)
	put(t, filepath.Join(uniq, "cam2-1772373600-1.flv"), b)
	roots := []index.Root{
		{Dir: uniq, App: "live", Recorder: "u", Suffix: ".flv", Unique: true, Format: "flv"},
		{Dir: dir, App: "live", Suffix: ".flv", Format: "flv"},
	}
	var out bytes.Buffer
	sum, err := index.Rebuild(context.Background(), s, roots, filepath.Join(dir, ".none"), &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	if sum.Added != 6 || sum.Skipped != 1 {
		t.Fatalf("summary %+v\n%s", sum, out.String())
	}
	rows, _, _ := s.List(context.Background(), index.Query{Size: 100})
	names := map[string]string{}
	for _, r := range rows {
		names[filepath.Base(r.Path)] = r.StreamPath + "|" + r.Recorder
		if r.Size != int64(len(b)) || r.VideoFrames == 0 || r.Status != index.StatusDone {
			t.Errorf("row %+v", r)
		}
		if r.Recorder == "u" && !r.Start.Equal(time.Unix(1772373600, 0)) {
			t.Errorf("record_unique start of %s: %v", r.Path, r.Start)
		}
	}
	want := map[string]string{"cam1.flv": "live/cam1|", "cam1-1.flv": "live/cam1|", "cam-9.flv": "live/cam-9|",
		"a%2Fb.flv": "live/a/b|", "cam2-1772373600.flv": "live/cam2|u", "cam2-1772373600-1.flv": "live/cam2|u"}
	for k, v := range want {
		if names[k] != v {
			t.Errorf("%s: got %q, want %q", k, names[k], v)
		}
	}
	if !strings.Contains(out.String(), "modification time minus the media duration") || !strings.Contains(out.String(), `stream name "cam-9"`) {
		t.Errorf("rebuild did not say what it could not determine:\n%s", out.String())
	}
	again, err := index.Rebuild(context.Background(), s, roots, "", &bytes.Buffer{})
	if err != nil || again.Added != 0 || again.Updated != 6 {
		t.Fatalf("second run %+v: %v", again, err)
	}
	if _, total, _ := s.List(context.Background(), index.Query{Size: 100}); total != 6 {
		t.Fatalf("second run made %d rows", total)
	}
}

// TestRebuildReplaysPinsAndDeletionsFromTheJournal: the database is lost;
// the files give the rows back and the journal their pins and the rows
// of files deleted through the API.
func TestRebuildReplaysPinsAndDeletionsFromTheJournal(t *testing.T) {
	dir := t.TempDir()
	b := golden(t)
	put(t, filepath.Join(dir, "cam1.flv"), b)
	put(t, filepath.Join(dir, "cam2.flv"), b)
	jpath := filepath.Join(dir, ".index.db.journal")
	j, err := index.OpenJournal(jpath)
	if err != nil {
		t.Fatal(err)
	}
	gone := index.Recording{StreamPath: "live/cam3", App: "live", Name: "cam3", Format: "flv",
		Path: filepath.Join(dir, "cam3.flv"), Status: index.StatusDone, Start: t0, End: t0.Add(time.Minute), Size: 42}
	for _, e := range []index.JournalEntry{
		{Time: t0, Op: index.OpPin, Path: filepath.Join(dir, "cam1.flv")},
		{Time: t0, Op: index.OpPin, Path: filepath.Join(dir, "cam2.flv")},
		{Time: t0, Op: index.OpUnpin, Path: filepath.Join(dir, "cam2.flv")},
		{Time: t0, Op: index.OpDelete, Path: gone.Path, Row: &gone},
		{Time: t0, Op: index.OpEvent, Path: filepath.Join(dir, "cam1.flv"), Event: &index.Event{EventID: "alarm_001",
			Name: "motion", Level: 2, Trigger: t0.Add(time.Second), Offset: 3 * time.Second, Before: 3 * time.Second, After: time.Second}},
	} {
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	roots := []index.Root{{Dir: dir, App: "live", Suffix: ".flv", Format: "flv"}}
	s, _ := openStore(t)
	for range 2 { // idempotent: the second run adds no second deleted row
		if _, err := index.Rebuild(context.Background(), s, roots, jpath, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	c1, _ := s.Live(ctx, filepath.Join(dir, "cam1.flv"))
	c2, _ := s.Live(ctx, filepath.Join(dir, "cam2.flv"))
	del, total, _ := s.List(ctx, index.Query{Status: index.StatusDeleted, Size: 10})
	if !c1.Pinned || c2.Pinned || total != 1 || del[0].Path != gone.Path || del[0].Size != 42 || !del[0].Start.Equal(t0) {
		t.Fatalf("cam1 pinned %v, cam2 pinned %v, deleted %+v", c1.Pinned, c2.Pinned, del)
	}
	evs, n, err := s.Events(ctx, index.EventQuery{RecordingIDs: []int64{c1.ID}})
	if err != nil || n != 1 || evs[0].Name != "motion" || evs[0].Offset != 3*time.Second || c1.EventID != "alarm_001" {
		t.Fatalf("events of cam1 after two rebuilds: %+v, %d, %v; row event %q", evs, n, err, c1.EventID)
	}
}

// TestReconcileCompletesRowsLeftOpenByACrash: one file is whole but
// unfinished, one was removed, one is not FLV.
func TestReconcileCompletesRowsLeftOpenByACrash(t *testing.T) {
	s, _ := openStore(t)
	dir := t.TempDir()
	b := golden(t)
	put(t, filepath.Join(dir, "ok.flv"), b[:len(b)-50])
	put(t, filepath.Join(dir, "bad.flv"), []byte("garbage"))
	var cs []index.Change
	for _, n := range []string{"ok", "bad", "gone"} {
		r := index.Recording{StreamPath: "live/" + n, App: "live", Name: n, Format: "flv", Path: filepath.Join(dir, n+".flv"), Start: t0}
		cs = append(cs, index.Change{Kind: index.Opened, Row: r})
	}
	if err := s.Apply(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	got, err := index.Reconcile(context.Background(), s, quiet())
	if err != nil || got != (index.Reconciled{Done: 1, Failed: 1, Missing: 1}) {
		t.Fatalf("%+v %v", got, err)
	}
	ok, _ := s.Live(context.Background(), filepath.Join(dir, "ok.flv"))
	if ok.Status != index.StatusDone || ok.Size != int64(len(b)-50) || ok.VideoFrames == 0 || ok.Reason != index.ReasonCrash || ok.End.IsZero() {
		t.Fatalf("ok row %+v", ok)
	}
	rows, total, _ := s.List(context.Background(), index.Query{Status: index.StatusMissing, Size: 10})
	if total != 1 || rows[0].Name != "gone" {
		t.Fatalf("missing %+v", rows)
	}
}

// TestRebuildReadsTheNameAndStartOfAStrftimeSuffix: the sample
// configuration's suffix -%Y%m%d-%H%M%S.flv gives the stream name and the
// open time back, "-N" pieces included.
func TestRebuildReadsTheNameAndStartOfAStrftimeSuffix(t *testing.T) {
	s, _ := openStore(t)
	dir := t.TempDir()
	b := golden(t)
	put(t, filepath.Join(dir, "cam1-20260301-140000.flv"), b)
	put(t, filepath.Join(dir, "cam1-1-20260301-140000.flv"), b)
	roots := []index.Root{{Dir: dir, App: "live", Suffix: "-%Y%m%d-%H%M%S.flv", Timed: true, Format: "flv"}}
	var out bytes.Buffer
	if _, err := index.Rebuild(context.Background(), s, roots, "", &out); err != nil {
		t.Fatal(err)
	}
	rows, total, _ := s.List(context.Background(), index.Query{Size: 10})
	want := time.Date(2026, 3, 1, 14, 0, 0, 0, time.Local)
	for _, r := range rows {
		if r.StreamPath != "live/cam1" || !r.Start.Equal(want) {
			t.Errorf("%s: stream %s start %v", r.Path, r.StreamPath, r.Start)
		}
	}
	if total != 2 || strings.Contains(out.String(), "modification time") {
		t.Fatalf("%d rows:\n%s", total, out.String())
	}
}

// TestRebuildLeavesFilesBeingWrittenAlone: a recording whose writer's
// mark is held (a live daemon writing it) is left out of the rebuild and
// said so; once the writer is gone it is added.
func TestRebuildLeavesFilesBeingWrittenAlone(t *testing.T) {
	s, _ := openStore(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "cam.flv")
	put(t, p, golden(t))
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := recfile.Mark(w); err != nil {
		t.Fatal(err)
	}
	roots := []index.Root{{Dir: dir, App: "live", Suffix: ".flv", Format: "flv"}}
	var out bytes.Buffer
	sum, err := index.Rebuild(context.Background(), s, roots, "", &out)
	if err != nil || sum.Added != 0 || sum.Skipped != 1 || !strings.Contains(out.String(), "being written by another process") {
		t.Fatalf("while written: %+v, %v\n%s", sum, err, out.String())
	}
	w.Close()
	if sum, err = index.Rebuild(context.Background(), s, roots, "", &out); err != nil || sum.Added != 1 {
		t.Fatalf("once closed: %+v, %v", sum, err)
	}
}
