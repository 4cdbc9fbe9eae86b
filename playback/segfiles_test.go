package playback

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// openUnder counts this process's descriptors of files under dir.
func openUnder(t *testing.T, dir string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(target, dir+"/") {
			n++
		}
	}
	return n
}

// peakOpenWriter notes the most descriptors under dir open at any write.
type peakOpenWriter struct {
	t    *testing.T
	dir  string
	peak int
	n    int64
}

func (w *peakOpenWriter) Write(p []byte) (int, error) {
	w.peak = max(w.peak, openUnder(w.t, w.dir))
	w.n += int64(len(p))
	return len(p), nil
}

// TestHLSSegmentsOpenAsRead: an HLS recording of 13 segments exports with
// at most maxOpenSegments (here 2) of its files open at any time, in the
// mp4 export (two walks, then its runs read as the client reads) and the
// streamed fmp4 one, and every frame is there.
func TestHLSSegmentsOpenAsRead(t *testing.T) {
	defer func(n int) { maxOpenSegments = n }(maxOpenSegments)
	maxOpenSegments = 2
	clip := testmedia.ClipLength(t, testmedia.AV, 25)
	rec := record(t, clip, "hls", t.TempDir(), time.Minute, epoch)
	dir := rec[0].Row.Path
	if segs, _ := filepath.Glob(filepath.Join(dir, "*.m4s")); len(segs) < 10 {
		t.Fatalf("%d segments, want 10 or more", len(segs))
	}
	st := newStore(t, rec)
	req := Request{StreamPath: "live/cam", Start: epoch, End: epoch.Add(time.Minute)}
	for _, out := range []string{"mp4", "fmp4"} {
		p, err := NewPlan(context.Background(), st, req)
		if err != nil {
			t.Fatal(err)
		}
		w := &peakOpenWriter{t: t, dir: dir}
		var wk Walked
		if out == "mp4" {
			f, err := p.NewMP4File()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(w, io.LimitReader(f, 1<<30)); err != nil {
				t.Fatal(err)
			}
			wk = f.Walked
			f.Close()
		} else if wk, err = p.WriteFMP4(w); err != nil {
			t.Fatal(err)
		}
		p.Close()
		if w.peak > 2 || w.peak == 0 || wk.Video != 625 {
			t.Errorf("%s: %d segment files open at most, want 1 or 2; %d video frames, want 625", out, w.peak, wk.Video)
		}
		if n := openUnder(t, dir); n != 0 {
			t.Errorf("%s: %d files left open", out, n)
		}
	}
}
