package index_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/postgres"
	"github.com/rtmprecd/rtmprecd/internal/pgtest"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/playback/playbacktest"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// hlsLayout is what two hls recorders' roots hold for the rebuild tests:
// per segment type a finished recording, one a crash left without
// #EXT-X-ENDLIST and one a live writer holds, plus a directory and a
// file that are not recordings.
type hlsLayout struct {
	roots                 []index.Root
	done, unfinished      []string // directories
	busy                  []*os.File
	before, after         time.Time // around the recording: the playlists' first PDT is between
	notRecordings         []string
	busyDirs              []string
	existing, existingDir string
}

func layHLS(t *testing.T) *hlsLayout {
	t.Helper()
	clip := testmedia.ClipLength(t, testmedia.AV, 6)
	l := &hlsLayout{before: time.Now().Add(-time.Second).Truncate(time.Millisecond)}
	for _, kind := range []string{"hls", "hls-ts"} {
		root := filepath.Join(t.TempDir(), kind)
		rec := playbacktest.Record(t, clip, kind, t.TempDir(), time.Hour, time.Now())
		if len(rec) != 1 {
			t.Fatalf("%s: %d recordings, want 1", kind, len(rec))
		}
		src := rec[0].Row.Path
		done := filepath.Join(root, "cam1")
		copyDir(t, src, done)
		unfinished := filepath.Join(root, "cam2")
		copyDir(t, src, unfinished)
		stripEndlist(t, filepath.Join(unfinished, hls.PlaylistName))
		busy := filepath.Join(root, "cam3")
		copyDir(t, src, busy)
		f, err := os.OpenFile(filepath.Join(busy, recfile.DirLock), os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if err := recfile.LockWhole(f); err != nil { // as the recorder holds it
			t.Fatal(err)
		}
		put(t, filepath.Join(root, "notes", "a.txt"), []byte("no lock: not a recording"))
		put(t, filepath.Join(root, "readme.txt"), []byte("a file under an hls root: not a recording"))
		l.roots = append(l.roots, index.Root{Dir: root, App: "live", Recorder: kind, Format: "hls"})
		l.done, l.unfinished, l.busy = append(l.done, done), append(l.unfinished, unfinished), append(l.busy, f)
		l.busyDirs = append(l.busyDirs, busy)
		l.notRecordings = append(l.notRecordings, filepath.Join(root, "notes"), filepath.Join(root, "readme.txt"))
	}
	l.after = time.Now()
	return l
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

func stripEndlist(t *testing.T, pl string) {
	t.Helper()
	b, err := os.ReadFile(pl)
	if err != nil {
		t.Fatal(err)
	}
	cut := bytes.Replace(b, []byte("#EXT-X-ENDLIST\n"), nil, 1)
	if len(cut) == len(b) {
		t.Fatalf("%s has no #EXT-X-ENDLIST to strip", pl)
	}
	if err := os.WriteFile(pl, cut, 0o644); err != nil {
		t.Fatal(err)
	}
}

// dirSize sums the sizes of the files in dir, as `du -b` of its files.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		n += fi.Size()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRebuildRegistersHLSDirectories runs the HLS rebuild on both stores.
func TestRebuildRegistersHLSDirectories(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		s, _ := openStore(t)
		rebuildHLS(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		c := pgtest.Start(t)
		s, err := postgres.Open(context.Background(), c.NewDB(t), postgres.Options{Node: "n1", URL: "http://n1.test/api/"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		rebuildHLS(t, s)
	})
}

// rebuildHLS: under each hls root (fMP4 and MPEG-TS segments) rebuild
// adds the finished and the unfinished recording directories with the
// figures of their files and playlist, says the unfinished one was left
// by a crash, skips the one a live writer holds and what is not a
// recording; a row a live close wrote is updated, keeping its id, its
// frame counts replaced by those of the fMP4 segments (the frames
// ffprobe reads); a second run adds nothing; the held one is added once
// its writer is gone.
func rebuildHLS(t *testing.T, s index.Store) {
	ctx := context.Background()
	l := layHLS(t)
	closed := index.Recording{StreamPath: "live/cam1", App: "live", Name: "cam1", Recorder: "hls", Format: "hls",
		Path: l.done[0], Status: index.StatusDone, Start: l.before, End: l.after, Size: 1, VideoFrames: 150, AudioFrames: 280}
	if err := s.Put(ctx, &closed); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := index.Rebuild(ctx, s, l.roots, "", &out)
	t.Log(out.String())
	if err != nil || sum.Added != 3 || sum.Updated != 1 || sum.Skipped != 2 || sum.Missing != 0 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	for i := range l.roots {
		for _, dir := range []string{l.done[i], l.unfinished[i]} {
			r, err := s.Live(ctx, dir)
			if err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			checkHLSRow(t, r, dir, l.done[i], l)
			wantReason := ""
			if dir == l.unfinished[i] {
				wantReason = index.ReasonCrash
			}
			if r.Reason != wantReason {
				t.Errorf("%s: reason %q, want %q", dir, r.Reason, wantReason)
			}
		}
		if !strings.Contains(out.String(), "skipped  "+l.busyDirs[i]+": being written by another process") {
			t.Errorf("%s held by a writer not said skipped", l.busyDirs[i])
		}
		if !strings.Contains(out.String(), "note     "+l.unfinished[i]+": the playlist was not finished") {
			t.Errorf("%s: unfinished playlist not reported", l.unfinished[i])
		}
		for _, p := range append([]string{l.busyDirs[i]}, l.notRecordings[2*i:2*i+2]...) {
			if _, err := s.Live(ctx, p); err == nil {
				t.Errorf("%s has a row", p)
			}
		}
	}
	kept, _ := s.Live(ctx, l.done[0])
	v, a := testmedia.ProbePackets(t, filepath.Join(l.done[0], hls.PlaylistName))
	if kept.ID != closed.ID || kept.VideoFrames != int64(v) || kept.AudioFrames != int64(a) || a == 280 {
		t.Errorf("the live close's row became %+v", kept)
	}
	again, err := index.Rebuild(ctx, s, l.roots, "", &bytes.Buffer{})
	if err != nil || again.Added != 0 || again.Updated != 4 || again.Skipped != 2 {
		t.Fatalf("second run %+v, %v", again, err)
	}
	for _, f := range l.busy {
		f.Close()
	}
	third, err := index.Rebuild(ctx, s, l.roots, "", &bytes.Buffer{})
	if err != nil || third.Added != 2 || third.Skipped != 0 {
		t.Fatalf("once the writers are gone %+v, %v", third, err)
	}
	if _, total, _ := s.List(ctx, index.Query{Size: 100}); total != 6 {
		t.Fatalf("%d rows, want 6", total)
	}
}

// checkHLSRow compares r with what the directory holds, measured apart
// from the index: the bytes of its files, ffprobe's duration of the
// playlist (of ended, the same segments with #EXT-X-ENDLIST: ffprobe
// gives no duration of a live playlist), its first PDT within the time
// of the recording.
func checkHLSRow(t *testing.T, r index.Recording, dir, ended string, l *hlsLayout) {
	t.Helper()
	pl := filepath.Join(dir, hls.PlaylistName)
	st, err := os.Stat(pl)
	if err != nil {
		t.Fatal(err)
	}
	probed := testmedia.ProbeDuration(t, filepath.Join(ended, hls.PlaylistName))
	switch {
	case r.Format != "hls" || r.Status != index.StatusDone || r.StreamPath != "live/"+filepath.Base(dir):
		t.Errorf("%s: row %+v", dir, r)
	case r.Size != dirSize(t, dir):
		t.Errorf("%s: size %d, files hold %d", dir, r.Size, dirSize(t, dir))
	case r.Duration < probed-100*time.Millisecond || r.Duration > probed+100*time.Millisecond:
		t.Errorf("%s: duration %v, ffprobe %v", dir, r.Duration, probed)
	case r.Duration < 5*time.Second:
		t.Errorf("%s: duration %v of a 6 s clip", dir, r.Duration)
	case r.Start.Before(l.before) || r.Start.After(l.after):
		t.Errorf("%s: start %v not within the recording [%v, %v]", dir, r.Start, l.before, l.after)
	case r.End.Sub(st.ModTime()).Abs() > time.Millisecond && dir != l.done[0]:
		t.Errorf("%s: end %v, playlist written %v", dir, r.End, st.ModTime())
	}
	v, a := testmedia.ProbePackets(t, filepath.Join(ended, hls.PlaylistName))
	codecs := [2]string{"h264", "aac"}
	if ts := filepath.Base(filepath.Dir(dir)) == "hls-ts"; ts && dir != l.done[0] {
		v, a, codecs = 0, 0, [2]string{} // not counted: a full demux is not cheap
	}
	if r.VideoFrames != int64(v) || r.AudioFrames != int64(a) || r.VideoCodec != codecs[0] || r.AudioCodec != codecs[1] {
		t.Errorf("%s: %d video %d audio frames, codecs %q %q; want %d, %d, %v", dir, r.VideoFrames, r.AudioFrames,
			r.VideoCodec, r.AudioCodec, v, a, codecs)
	}
}

// TestReconcileCompletesHLSRecordingsFromTheirPlaylist: rows a crash left
// in status recording: an HLS directory whose playlist lists segments
// (no #EXT-X-ENDLIST) is done with the bytes of its files and the
// playlist's duration; one whose playlist is gone is failed, with the
// bytes of what is left.
func TestReconcileCompletesHLSRecordingsFromTheirPlaylist(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 6)
	rec := playbacktest.Record(t, clip, "hls", t.TempDir(), time.Hour, time.Now())
	root := t.TempDir()
	ok, broken := filepath.Join(root, "ok"), filepath.Join(root, "broken")
	copyDir(t, rec[0].Row.Path, ok)
	stripEndlist(t, filepath.Join(ok, hls.PlaylistName))
	copyDir(t, rec[0].Row.Path, broken)
	if err := os.Remove(filepath.Join(broken, hls.PlaylistName)); err != nil {
		t.Fatal(err)
	}
	s, _ := openStore(t)
	ctx := context.Background()
	var cs []index.Change
	for _, dir := range []string{ok, broken} {
		cs = append(cs, index.Change{Kind: index.Opened, Row: index.Recording{StreamPath: "live/" + filepath.Base(dir), App: "live",
			Name: filepath.Base(dir), Format: "hls", Path: dir, Start: t0}})
	}
	if err := s.Apply(ctx, cs); err != nil {
		t.Fatal(err)
	}
	got, err := index.Reconcile(ctx, s, quiet())
	if err != nil || got != (index.Reconciled{Done: 1, Failed: 1}) {
		t.Fatalf("%+v %v", got, err)
	}
	done, _ := s.Live(ctx, ok)
	want := testmedia.ProbeDuration(t, filepath.Join(rec[0].Row.Path, hls.PlaylistName))
	if done.Status != index.StatusDone || done.Reason != index.ReasonCrash || done.Size != dirSize(t, ok) ||
		(done.Duration-want).Abs() > 100*time.Millisecond {
		t.Errorf("done row %+v, %d bytes on disk, ffprobe %v", done, dirSize(t, ok), want)
	}
	failed, _ := s.Live(ctx, broken)
	if failed.Status != index.StatusFailed || failed.Size != dirSize(t, broken) || !strings.Contains(failed.Error, "playlist") {
		t.Errorf("failed row %+v, %d bytes on disk", failed, dirSize(t, broken))
	}
}
