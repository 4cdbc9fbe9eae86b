package record

import (
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/hub"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// newHubRig is newRig publishing live/name at clock start, with the
// frames going through a real stream hub (its GOP cache), as a session's.
func newHubRig(t *testing.T, start time.Time, name string, recs ...*conf.Recorder) *rig {
	t.Helper()
	r := &rig{t: t, src: &fakeSource{}, clk: &clock{t: start}, logs: &testserver.LogBuffer{}}
	r.m = &Module{Now: r.clk.Now, Logger: slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	r.m.Events(func(ev Event) {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	})
	r.m.tick = func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }
	r.dir = recs[0].Path
	r.h = r.m.newHook(r.src, 7, &conf.Application{Name: "live", Recorders: recs})
	r.src.stream = hub.New("live", hub.Options{Now: r.clk.Now, Codec: r.src.media.State})
	r.src.stream.Start(name, []hub.Recorder{r.h})
	if err := r.h.OnPublish(context.Background(), &rtmp.Publish{Name: name, Type: "live"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.close(rtmp.CloseDisconnect); r.src.stream.Close() })
	return r
}

// TestIntervalAlignSplitsAtWallClockBoundaries: with record_interval 10s
// and record_interval_align on, every format's files split at the first
// key frame at or after :10, :20, :30 (the first file ends at the next
// boundary after the publish), and nothing is lost across the splits.
func TestIntervalAlignSplitsAtWallClockBoundaries(t *testing.T) {
	for _, format := range []string{"flv", "mp4", "fmp4", "hls"} {
		t.Run(format, func(t *testing.T) {
			rc := newRecorder(t, "", all)
			rc.Format, rc.Suffix = format, "."+format
			if format == "hls" { // a directory per recording: a new one at each boundary
				rc.Suffix = ""
			}
			rc.Interval, rc.IntervalSet, rc.IntervalAlign = 10*time.Second, true, true
			// the sequence headers at :06.960, then key frames each second: :07, :08, ...
			start := time.Date(2026, 12, 2, 10, 0, 6, 960e6, time.UTC)
			r := newHubRig(t, start, "cam", rc)
			feedTimed(gopFrames(0, 25*26, 64), r) // 26 s: to 10:00:33
			r.close(rtmp.CloseDisconnect)
			evs := r.doneEvents()
			var starts []string
			var frames int64
			for _, ev := range evs {
				starts = append(starts, ev.Start.Format("15:04:05.000"))
				frames += ev.VideoFrames
			}
			want := []string{"10:00:06.960", "10:00:10.000", "10:00:20.000", "10:00:30.000"}
			if len(starts) != len(want) {
				t.Fatalf("files opened at %v, want %v", starts, want)
			}
			for i := range want {
				if starts[i] != want[i] {
					t.Fatalf("files opened at %v, want %v", starts, want)
				}
			}
			if frames != 25*26 {
				t.Errorf("%d video frames in the files, want %d", frames, 25*26)
			}
		})
	}
}

// TestIntervalWithoutAlignCountsFromTheOpen: without alignment the same
// stream splits 10 s after each open, as before.
func TestIntervalWithoutAlignCountsFromTheOpen(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.Interval, rc.IntervalSet = 10*time.Second, true
	r := newHubRig(t, time.Date(2026, 12, 2, 10, 0, 6, 960e6, time.UTC), "cam", rc)
	feedTimed(gopFrames(0, 25*26, 64), r)
	r.close(rtmp.CloseDisconnect)
	var starts []string
	for _, ev := range r.doneEvents() {
		starts = append(starts, ev.Start.Format("15:04:05.000"))
	}
	// the key frame at :17 is 10.04 s after the open, more than the interval
	if len(starts) != 3 || starts[1] != "10:00:17.000" || starts[2] != "10:00:28.000" {
		t.Errorf("files opened at %v, want 10:00:06.960, 10:00:17.000, 10:00:28.000", starts)
	}
}

// TestScheduleWindowOpensMidGOP: a window that opens between two key
// frames starts a file at once with the hub's cached GOP, so its first
// frame is the key frame before the opening; the window's close ends
// the file at the first key frame after it, with reason "schedule".
func TestScheduleWindowOpensMidGOP(t *testing.T) {
	rc := newRecorder(t, "", all)
	w, err := conf.ParseWindow("daily", "01:00-01:01")
	if err != nil {
		t.Fatal(err)
	}
	rc.Schedules, rc.Location = []conf.Window{w}, time.UTC
	// key frames each second at :58.5, :59.5, 01:00:00.5, ...: the window
	// opens half a GOP after the key frame of session time 1000 ms.
	r := newHubRig(t, time.Date(2026, 12, 2, 0, 59, 58, 500e6, time.UTC), "cam", rc)
	feedTimed(gopFrames(0, 25*64, 64), r) // to 01:01:02.5
	evs := r.doneEvents()
	if len(evs) != 1 {
		t.Fatalf("%d files, want 1; log:\n%s", len(evs), r.logs)
	}
	ev := evs[0]
	if ev.Reason != ReasonSchedule || ev.FirstTime != 1000 || ev.LastTime >= 62000 || ev.LastTime < 61900 {
		t.Errorf("file: reason %q, media %d..%d ms; want schedule, 1000..<62000 (the GOP before the opening to the key frame after the close)",
			ev.Reason, ev.FirstTime, ev.LastTime)
	}
	f := readFLV(t, ev.Path)
	tags := mediaTags(f)
	if len(tags) == 0 || tags[0].Type != 9 || !tags[0].IsKeyframe() || tags[0].Timestamp != 0 {
		t.Fatalf("file does not start with a key frame at 0: %s", tagsString(tags[:min(len(tags), 4)]))
	}
	if ev.VideoFrames != 61*25 {
		t.Errorf("%d video frames, want %d (61 whole GOPs)", ev.VideoFrames, 61*25)
	}
	if got := r.src.stream.HasGOPCache(); !got {
		t.Error("the hub keeps no GOP cache for a scheduled recorder")
	}
	r.close(rtmp.CloseDisconnect)
	if r.src.stream.HasGOPCache() {
		t.Error("the GOP cache outlived the publish's close")
	}
}

// TestScheduleWithoutHubWaitsForKeyFrame: without a GOP cache (no hub)
// the file starts at the first key frame inside the window.
func TestScheduleWithoutHubWaitsForKeyFrame(t *testing.T) {
	rc := newRecorder(t, "", all)
	w, _ := conf.ParseWindow("daily", "01:00-02:00")
	rc.Schedules, rc.Location = []conf.Window{w}, time.UTC
	r := newRig(t, rc) // clock 01:00 UTC: already inside
	r.clk.t = time.Date(2026, 12, 2, 0, 59, 58, 500e6, time.UTC)
	feedTimed(gopFrames(0, 25*4, 64), r)
	r.close(rtmp.CloseDisconnect)
	evs := r.doneEvents()
	// its video starts at the key frame of 2000 ms (two GOPs); audio
	// since the opening comes before it, as at the start of a publish
	if len(evs) != 1 || evs[0].VideoFrames != 50 || evs[0].FirstTime < 1000 {
		t.Fatalf("files %+v, want one whose video starts at the key frame of 2000 ms", evs)
	}
}

// TestRecordStreamsAndPathCaptures: record_streams selects names by
// expression, its groups and the other variables become escaped path
// components, and a name it does not match records nothing.
func TestRecordStreamsAndPathCaptures(t *testing.T) {
	base := t.TempDir()
	rc := &conf.Recorder{Name: "r1", Flags: all, Path: base + "/$app/$1/%Y", Suffix: "-$2-$recorder.flv", Location: time.UTC}
	var err error
	rc.Streams = &conf.StreamFilter{Args: []string{`~^([a-z/]+)-(\d+)$`}}
	if rc.Streams.Regex, err = regexpCompile(`^([a-z/]+)-(\d+)$`); err != nil {
		t.Fatal(err)
	}
	if rc.PathTemplate, err = conf.CompilePathTemplate(rc.Path); err != nil {
		t.Fatal(err)
	}
	if rc.SuffixTemplate, err = conf.CompilePathTemplate(rc.Suffix); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, name := range []string{"cam/a-7", "nomatch"} {
		r := newHubRig(t, start, name, rc)
		feedTimed(gopFrames(0, 30, 64), r)
		r.close(rtmp.CloseDisconnect)
	}
	got := files(t, base)
	want := []string{filepath.Join("live", "cam%2Fa", "2026", "cam%2Fa-7-7-r1.flv")}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("files %v, want %v", got, want)
	}
}

func regexpCompile(s string) (*regexp.Regexp, error) { return regexp.Compile(s) }

// TestPathTemplateNewDirectoryStartsAtPlainName: when a strftime verb in
// record_path moves the next file into a new directory (an aligned
// hourly split), it gets the plain name there, not the next "-N" of the
// previous directory.
func TestPathTemplateNewDirectoryStartsAtPlainName(t *testing.T) {
	base := t.TempDir()
	rc := &conf.Recorder{Flags: all, Path: base + "/%H", Suffix: ".flv", Location: time.UTC,
		Interval: time.Hour, IntervalSet: true, IntervalAlign: true}
	var err error
	if rc.PathTemplate, err = conf.CompilePathTemplate(rc.Path); err != nil {
		t.Fatal(err)
	}
	r := newHubRig(t, time.Date(2026, 12, 2, 10, 59, 58, 960e6, time.UTC), "cam", rc)
	feedTimed(gopFrames(0, 25*3, 64), r)
	r.close(rtmp.CloseDisconnect)
	got := files(t, base)
	if len(got) != 2 || got[0] != filepath.Join("10", "cam.flv") || got[1] != filepath.Join("11", "cam.flv") {
		t.Errorf("files %v, want 10/cam.flv and 11/cam.flv", got)
	}
}
