package testmedia_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

func TestMain(m *testing.M) { testmedia.Main(m) }

// TestClipVariants makes every clip, then checks it three ways: ffprobe's
// packet counts, our strict reader, and the two against each other.
func TestClipVariants(t *testing.T) {
	tests := []struct {
		kind         string
		flags        uint8
		video, audio bool
	}{
		{testmedia.AV, flv.FlagAudio | flv.FlagVideo, true, true},
		{testmedia.AudioOnly, flv.FlagAudio, false, true},
		{testmedia.VideoOnly, flv.FlagVideo, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			path := testmedia.ClipVariant(t, tt.kind)
			pv, pa := testmedia.ProbePackets(t, path)
			if (pv > 0) != tt.video || (pa > 0) != tt.audio {
				t.Fatalf("ffprobe packets video=%d audio=%d, want video %v audio %v", pv, pa, tt.video, tt.audio)
			}
			f, err := flv.ReadFile(path)
			if err != nil {
				t.Fatalf("strict reader rejects the clip: %v", err)
			}
			if f.Header.Flags != tt.flags {
				t.Errorf("header flags %#x, want %#x", f.Header.Flags, tt.flags)
			}
			fv, fa, keys := frames(f)
			if fv != pv || fa != pa {
				t.Errorf("frame tags video=%d audio=%d, ffprobe packets video=%d audio=%d", fv, fa, pv, pa)
			}
			if tt.video && keys != 4 {
				t.Errorf("%d keyframes, want 4 (GOP of 1 s over 4 s)", keys)
			}
			if d := testmedia.ProbeDuration(t, path); d < 3900*time.Millisecond || d > 4100*time.Millisecond {
				t.Errorf("duration %v, want about 4s", d)
			}
		})
	}
}

// frames counts audio and video tags that carry media (not sequence headers
// or end-of-sequence markers), and video keyframes among them.
func frames(f *flv.File) (video, audio, keys int) {
	for i := range f.Tags {
		tg := &f.Tags[i]
		if tg.IsSeqHeader() || tg.IsEndOfSeq() {
			continue
		}
		switch tg.Type {
		case flv.TagVideo:
			video++
			if tg.IsKeyframe() {
				keys++
			}
		case flv.TagAudio:
			audio++
		}
	}
	return video, audio, keys
}

func TestClipShared(t *testing.T) {
	var wg sync.WaitGroup
	paths := make([]string, 4)
	for i := range paths {
		wg.Go(func() { paths[i] = testmedia.Clip(t) })
	}
	wg.Wait()
	for _, p := range paths {
		if p != paths[0] || p == "" {
			t.Fatalf("Clip paths differ: %q", paths)
		}
	}
}

// TestPublishToFile uses a file as the output "URL": the same ffmpeg
// command, with a result we can read back.
func TestPublishToFile(t *testing.T) {
	clip := testmedia.Clip(t)
	out := filepath.Join(t.TempDir(), "out.flv")
	if err := testmedia.Publish(t.Context(), t, clip, out, false); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	want, err := flv.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	got, err := flv.ReadFile(out)
	if err != nil {
		t.Fatalf("published file: %v", err)
	}
	gv, ga, _ := frames(got)
	wv, wa, _ := frames(want)
	if gv != wv || ga != wa {
		t.Errorf("published video=%d audio=%d frames, clip has %d and %d", gv, ga, wv, wa)
	}
}

// TestPublishRefused checks that ffmpeg's error text comes back when the
// server drops the connection.
func TestPublishRefused(t *testing.T) {
	clip := testmedia.Clip(t)
	ln := listen(t)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	err := testmedia.Publish(t.Context(), t, clip, "rtmp://"+ln.Addr().String()+"/live/x", false)
	if err == nil || !strings.Contains(err.Error(), "ffmpeg publish rtmp://127.0.0.1:") {
		t.Fatalf("Publish error = %v, want an ffmpeg failure", err)
	}
}

// TestPublishCancel checks that ending ctx kills an ffmpeg stuck in the
// handshake with a server that never answers.
func TestPublishCancel(t *testing.T) {
	clip := testmedia.Clip(t)
	ln := listen(t)
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- testmedia.Publish(ctx, t, clip, "rtmp://"+ln.Addr().String()+"/live/x", true) }()
	select {
	case c := <-accepted:
		defer c.Close()
	case err := <-done:
		t.Fatalf("Publish returned before connecting: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("ffmpeg never connected")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Publish error = %v, want it to wrap context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Publish did not return after cancel")
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// TestRequireFFmpeg runs RequireFFmpeg with an empty PATH and checks that it
// fails under CI=true and skips otherwise.
func TestRequireFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, tt := range []struct{ ci, want string }{{"true", "fatal"}, {"", "skip"}} {
		t.Setenv("CI", tt.ci)
		rec := &recorder{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); testmedia.RequireFFmpeg(rec) }()
		<-done
		if rec.got != tt.want || !strings.Contains(rec.msg, "ffmpeg") {
			t.Errorf("CI=%q: got %s %q, want %s", tt.ci, rec.got, rec.msg, tt.want)
		}
	}
}

// recorder is a testing.TB that records Fatalf/Skipf instead of ending the
// real test; like them, it stops its goroutine.
type recorder struct {
	testing.TB
	got, msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.got, r.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.got, r.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
