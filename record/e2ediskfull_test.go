package record

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testenv"
)

// TestE2EDiskFull: the real server records live/cam onto a 4 MiB tmpfs
// and ok/cam onto a healthy directory. The tmpfs fills up: cam's file is
// cut to a valid FLV and reported with ENOSPC, the publishers stay
// connected, ok's recording is complete, the server accepts new
// publishers, and cam records again once space is freed.
func TestE2EDiskFull(t *testing.T) {
	full, healthy := testenv.Tmpfs(t, "4m"), t.TempDir()
	clk := &clock{t: time.Now()}
	s := startServerWith(t, fmt.Sprintf("application live { record all; record_path %s; }\n"+
		"  application ok { record all; record_path %s; }", full, healthy), func(m *Module) { m.Now = clk.Now })
	a, err := publishApp(t, s.addr, "live", "cam")
	if err != nil {
		t.Fatal(err)
	}
	b, err := publishApp(t, s.addr, "ok", "cam")
	if err != nil {
		t.Fatal(err)
	}
	a.send(t, gopFrames(0, 50, 8<<10)...)
	b.send(t, gopFrames(0, 50, 100)...)
	waitSize(t, filepath.Join(full, "cam.flv"), 250<<10) // the first GOP is on disk
	fill(t, filepath.Join(full, "filler"))
	a.send(t, gopFrames(50, 100, 8<<10)...)
	b.send(t, gopFrames(50, 100, 100)...)
	ev := s.wait(t, 1)[0]
	if !errors.Is(ev.Err, syscall.ENOSPC) || ev.Reason != ReasonError {
		t.Fatalf("event %+v", ev)
	}
	checkMeta(t, ev.Path)
	if err := os.Remove(filepath.Join(full, "filler")); err != nil {
		t.Fatal(err)
	}
	clk.Advance(maxRetryDelay)
	a.send(t, gopFrames(100, 150, 8<<10)...)
	b.send(t, gopFrames(100, 150, 100)...)
	if c, err := publishApp(t, s.addr, "ok", "other"); err != nil {
		t.Fatalf("server refuses a new publisher: %v", err)
	} else {
		c.c.DeleteStream(c.sid)
	}
	a.c.DeleteStream(a.sid)
	b.c.DeleteStream(b.sid)
	evs := s.wait(t, 2) // "other" sent no media: no file
	byPath := map[string]Event{}
	for _, e := range evs {
		byPath[e.Path] = e
	}
	resumed, okFile := byPath[filepath.Join(full, "cam-1.flv")], byPath[filepath.Join(healthy, "cam.flv")]
	// The server may still be working through frames 51-99 when the clock
	// advances: the new file starts at the next keyframe it sees.
	if resumed.Err != nil || resumed.VideoFrames < 50 || resumed.LastTime != 149*40+5 ||
		okFile.Err != nil || okFile.VideoFrames != 150 {
		t.Fatalf("events after the disk recovered: %+v", evs)
	}
	checkMeta(t, resumed.Path)
	checkMeta(t, okFile.Path)
}

// waitSize polls until path has at least n bytes.
func waitSize(t *testing.T, path string, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if st, err := os.Stat(path); err == nil && st.Size() >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not reach %d bytes", path, n)
		}
		runtimeGosched()
	}
}
