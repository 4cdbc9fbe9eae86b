package record

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestManualStartStop: a manual recorder opens only through Start, which
// opens the file at once and returns its path; it writes from the next
// break frame; Stop closes it for good.
func TestManualStartStop(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) { testManualStartStop(t, format) })
	}
}

func testManualStartStop(t *testing.T, format string) {
	rc := formatRecorder(t, format, conf.RecordManual|all)
	rc.Name = "rec1"
	r := newRig(t, rc)
	r.feed(vSeq(0), aSeq(0), vKey(0, 0), aRaw(10, 0))
	if got := files(t, rc.Path); len(got) != 0 {
		t.Fatalf("manual recorder opened %v by itself", got)
	}
	p, err := r.m.Start("live", "cam", "rec1")
	if err != nil || p != filepath.Join(rc.Path, "cam"+rc.Suffix) {
		t.Fatalf("Start = %q, %v", p, err)
	}
	if format == "flv" {
		if f := readFLV(t, p); len(f.Tags) != 0 {
			t.Fatalf("file opened at Start holds %d media tags", len(f.Tags))
		}
	}
	if _, err := r.m.Start("live", "cam", "rec1"); !errors.Is(err, ErrAlreadyRecording) {
		t.Fatalf("second Start: %v", err)
	}
	r.feed(aRaw(33, 1), vInter(40, 1), vKey(80, 2), aRaw(90, 2), vInter(120, 3))
	sp, err := r.m.Stop("live", "cam", "rec1")
	if err != nil || sp != p {
		t.Fatalf("Stop = %q, %v", sp, err)
	}
	if _, err := r.m.Stop("live", "cam", "rec1"); !errors.Is(err, ErrNotRecording) {
		t.Fatalf("second Stop: %v", err)
	}
	r.feed(vKey(160, 4), aRaw(170, 3))
	r.close(rtmp.CloseUnpublish)
	if format != "flv" { // from the key frame at 80: 80 and 120, audio 90
		if v, a := isoSamples(t, p); len(v) != 2 || len(a) != 1 || v[0].ms != 0 || !v[0].key || a[0].ms != 10 {
			t.Fatalf("video %v audio %v, want 0k 40 and 10 (nothing before the key frame)", v, a)
		}
	} else if got, want := tagsString(readFLV(t, p).Tags), "A0h V0h V0k A10 V40"; got != want {
		t.Fatalf("tags %s, want %s (nothing before the key frame)", got, want)
	}
	if evs := r.doneEvents(); len(evs) != 1 || evs[0].Reason != ReasonStop || evs[0].Path != p {
		t.Fatalf("events %+v", evs)
	}
}

func TestStartStopErrors(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all), newRecorder(t, "off", conf.RecordOff))
	tests := []struct {
		app, name, rec string
		want           error
	}{
		{"live", "other", "", ErrNoStream},
		{"vod", "cam", "", ErrNoStream},
		{"live", "cam", "nope", ErrNoRecorder},
		{"live", "cam", "off", ErrNoRecorder},
	}
	for _, tt := range tests {
		if _, err := r.m.Start(tt.app, tt.name, tt.rec); !errors.Is(err, tt.want) {
			t.Errorf("Start(%q, %q, %q) = %v, want %v", tt.app, tt.name, tt.rec, err, tt.want)
		}
		if _, err := r.m.Stop(tt.app, tt.name, tt.rec); !errors.Is(err, tt.want) {
			t.Errorf("Stop(%q, %q, %q) = %v, want %v", tt.app, tt.name, tt.rec, err, tt.want)
		}
	}
	if _, err := r.m.Stop("live", "cam", ""); !errors.Is(err, ErrNotRecording) {
		t.Errorf("Stop before any media = %v", err)
	}
	r.close(rtmp.CloseUnpublish)
	if _, err := r.m.Start("live", "cam", ""); !errors.Is(err, ErrNoStream) {
		t.Errorf("Start after close = %v", err)
	}
}

// TestManualAudioOnlyRecords: with record all manual and an audio-only
// stream, audio frames are break frames, so the file gets audio
// (nginx-rtmp writes nothing, arut#1498).
func TestManualAudioOnlyRecords(t *testing.T) {
	r := newRig(t, newRecorder(t, "", conf.RecordManual|all))
	r.feed(aSeq(0), aRaw(0, 0))
	p, err := r.m.Start("live", "cam", "")
	if err != nil {
		t.Fatal(err)
	}
	r.feed(aRaw(23, 1), aRaw(46, 2))
	r.close(rtmp.CloseDisconnect)
	if got, want := tagsString(readFLV(t, p).Tags), "A0h A0 A23"; got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
}

// TestManualHonoursLimits: a started manual recorder rotates on
// record_max_frames and record_interval instead of stopping.
func TestManualHonoursLimits(t *testing.T) {
	t.Run("max_frames", func(t *testing.T) {
		rc := newRecorder(t, "", conf.RecordManual|all)
		rc.MaxFrames = 20
		r := newRig(t, rc)
		if _, err := r.m.Start("live", "cam", ""); err != nil {
			t.Fatal(err)
		}
		in := stream{dur: 2000, gop: 10, audio: true, headers: true}.frames()
		r.feed(in...)
		r.close(rtmp.CloseUnpublish)
		if fs := checkPieces(t, r, in, aacSeqPayload, avcSeqPayload(0)); len(fs) != 5 {
			t.Fatalf("%d files, want 5", len(fs))
		}
	})
	t.Run("interval", func(t *testing.T) {
		rc := newRecorder(t, "", conf.RecordManual|all)
		rc.Interval, rc.IntervalSet = time.Second, true
		r := newRig(t, rc)
		if _, err := r.m.Start("live", "cam", ""); err != nil {
			t.Fatal(err)
		}
		in := stream{dur: 3000, gop: 25, audio: true, headers: true}.frames()
		t0 := r.clk.Now()
		for _, f := range in {
			r.clk.t = t0.Add(time.Duration(f.Time) * 1100 * time.Microsecond) // wall time runs 10% fast
			r.feed(f)
		}
		r.close(rtmp.CloseUnpublish)
		if fs := checkPieces(t, r, in, aacSeqPayload, avcSeqPayload(0)); len(fs) != 3 {
			t.Fatalf("%d files, want 3", len(fs))
		}
	})
}

// TestStopAutomaticReopens: an automatic recorder stopped through Stop
// reopens at the next break frame, or once record_interval has elapsed
// since its last open (nginx-rtmp).
func TestStopAutomaticReopens(t *testing.T) {
	t.Run("no interval", func(t *testing.T) {
		r := newRig(t, newRecorder(t, "", all))
		r.feed(vSeq(0), aSeq(0), vKey(0, 0), aRaw(10, 0), vInter(40, 1))
		if _, err := r.m.Stop("live", "cam", ""); err != nil {
			t.Fatal(err)
		}
		r.feed(aRaw(50, 1), vInter(80, 2), vKey(120, 3), aRaw(130, 2))
		r.close(rtmp.CloseUnpublish)
		p := r.paths()
		if len(p) != 2 {
			t.Fatalf("paths %v", p)
		}
		if got, want := tagsString(readFLV(t, p[1]).Tags), "A0h V0h V0k A10"; got != want {
			t.Fatalf("reopened file %s, want %s", got, want)
		}
	})
	t.Run("interval", func(t *testing.T) {
		rc := newRecorder(t, "", all)
		rc.Interval, rc.IntervalSet = 10*time.Second, true
		r := newRig(t, rc)
		r.feed(vSeq(0), aSeq(0), vKey(0, 0))
		if _, err := r.m.Stop("live", "cam", ""); err != nil {
			t.Fatal(err)
		}
		r.clk.Advance(9 * time.Second)
		r.feed(vKey(1000, 1))
		if n := len(files(t, rc.Path)); n != 1 {
			t.Fatalf("%d files before the interval elapsed", n)
		}
		r.clk.Advance(1001 * time.Millisecond)
		r.feed(vInter(1040, 2), vKey(2000, 3))
		r.close(rtmp.CloseUnpublish)
		p := r.paths()
		if len(p) != 2 {
			t.Fatalf("paths %v", p)
		}
		if got, want := tagsString(readFLV(t, p[1]).Tags), "A0h V0h V0k"; got != want {
			t.Fatalf("reopened file %s, want %s", got, want)
		}
	})
}

// TestPathStoredAtOpen: the reported path is the one opened, even when
// the same connection publishes again under another name.
func TestPathStoredAtOpen(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	r.feed(vSeq(0), vKey(0, 0))
	if err := r.h.OnPublish(context.Background(), &rtmp.Publish{Name: "other"}); err != nil {
		t.Fatal(err)
	}
	r.feed(vKey(40, 1))
	r.close(rtmp.CloseUnpublish)
	evs := r.doneEvents()
	want := []string{filepath.Join(r.dir, "cam.flv"), filepath.Join(r.dir, "other.flv")}
	if len(evs) != 2 || evs[0].Path != want[0] || evs[0].Name != "cam" || evs[1].Path != want[1] || evs[1].Name != "other" {
		t.Fatalf("events %+v, want paths %v", evs, want)
	}
	for _, p := range want {
		readFLV(t, p)
	}
}

// TestLazyOpen: no file for a publish that sends no media, or only
// data messages.
func TestLazyOpen(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) {
			r := newRig(t, formatRecorder(t, format, all))
			r.feed(media.Frame{Type: media.TypeData, Payload: []byte{2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'}},
				vSeq(0), aSeq(0)) // headers alone open nothing either
			r.close(rtmp.CloseDisconnect)
			if got := files(t, r.dir); len(got) != 0 || len(r.doneEvents()) != 0 {
				t.Fatalf("files %v events %d", got, len(r.doneEvents()))
			}
		})
	}
}

// TestDuplicatePublisherTouchesNoFile: a second publisher of the same
// name that is rejected after OnPublish never opens, truncates or reports
// a file, and control still reaches the first publisher.
func TestDuplicatePublisherTouchesNoFile(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	r.feed(vSeq(0), vKey(0, 0))
	dup := r.m.newHook(r.src, 8, r.h.app)
	if err := dup.OnPublish(context.Background(), &rtmp.Publish{Name: "cam"}); err != nil {
		t.Fatal(err)
	}
	dup.OnClose(context.Background(), rtmp.CloseDisconnect) // rejected by the registry
	if p, err := r.m.Stop("live", "cam", ""); err != nil || p != filepath.Join(r.dir, "cam.flv") {
		t.Fatalf("Stop = %q, %v", p, err)
	}
	r.close(rtmp.CloseUnpublish)
	if got := files(t, r.dir); len(got) != 1 || len(r.doneEvents()) != 1 {
		t.Fatalf("files %v events %d", got, len(r.doneEvents()))
	}
	if got, want := tagsString(readFLV(t, filepath.Join(r.dir, "cam.flv")).Tags), "V0h V0k"; got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
}

// TestStartStopConcurrentWithOnAV: control calls from other goroutines
// while the session records (run with -race); every file stays valid.
func TestStartStopConcurrentWithOnAV(t *testing.T) {
	r := newRig(t, newRecorder(t, "", conf.RecordManual|all), newRecorder(t, "auto", all))
	in := stream{dur: 4000, gop: 5, audio: true, headers: true}.frames()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, rec := range []string{"", "auto"} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				r.m.Start("live", "cam", rec)
				r.m.Stop("live", "cam", rec)
			}
		})
	}
	r.feed(in...)
	close(stop)
	wg.Wait()
	r.close(rtmp.CloseUnpublish)
	for _, ev := range r.doneEvents() {
		readFLV(t, ev.Path)
	}
}

// TestStartOpenFailureIsHonest: Start returns the open error (errno
// included) instead of a path that was never created.
func TestStartOpenFailureIsHonest(t *testing.T) {
	rc := newRecorder(t, "", conf.RecordManual|all)
	blocker := filepath.Join(rc.Path, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rc.Path = blocker
	r := newRig(t, rc)
	p, err := r.m.Start("live", "cam", "")
	if !errors.Is(err, syscall.ENOTDIR) || p != "" {
		t.Fatalf("Start = %q, %v; want ENOTDIR", p, err)
	}
	r.feed(vSeq(0), vKey(0, 0)) // not started: no retry
	if n := strings.Count(r.logs.String(), "record: open failed"); n != 1 {
		t.Fatalf("%d open failures logged", n)
	}
}
