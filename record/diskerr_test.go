package record

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/testenv"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// publish starts a second stream on r's module: its events arrive in r.
func (r *rig) publish(t *testing.T, name string, sid uint64, recs ...*conf.Recorder) *rig {
	t.Helper()
	r2 := &rig{t: t, m: r.m, clk: r.clk, logs: r.logs, src: &fakeSource{}}
	r2.h = r.m.newHook(r2.src, sid, &conf.Application{Name: "live", Recorders: recs})
	if err := r2.h.OnPublish(context.Background(), &rtmp.Publish{Name: name, Type: "live"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r2.h.OnClose(context.Background(), rtmp.CloseDisconnect) })
	return r2
}

// gopFrames returns frames n0..n1-1 of a 25 fps stream with a keyframe
// every 25 frames, video payloads of vsize bytes and an AAC frame after
// each video frame; frame 0 comes with the sequence headers.
func gopFrames(n0, n1, vsize int) []media.Frame {
	var out []media.Frame
	if n0 == 0 {
		out = append(out, vSeq(0), aSeq(0))
	}
	for i := n0; i < n1; i++ {
		p := make([]byte, vsize)
		copy(p, avcPayload(i%25 == 0, i))
		out = append(out, media.Frame{Type: media.TypeVideo, Time: int64(i) * 40, Payload: p, Keyframe: i%25 == 0},
			aRaw(int64(i)*40+5, i))
	}
	return out
}

// feedTimed feeds frame i to every rig, the clock advancing 40 ms per
// video frame.
func feedTimed(frames []media.Frame, rs ...*rig) {
	for _, f := range frames {
		for _, r := range rs {
			r.feed(f)
		}
		if f.Type == media.TypeVideo {
			rs[0].clk.Advance(40e6)
		}
	}
}

// diskFailure runs the scenario of every disk error: stream "cam"
// records into dir with big frames, stream "ok" into a healthy temp dir
// with small ones. brk makes dir fail with errno; the failed file must be
// cut to a valid FLV with correct metadata, with one error event and log
// line per failed file; retries back off while the failure lasts; after
// fix the recorder resumes by itself; "ok" records every frame.
func diskFailure(t *testing.T, dir string, errno syscall.Errno, setup func(*Module), brk, fix func()) {
	rA := newRigWith(t, setup, &conf.Recorder{Flags: all, Path: dir, Suffix: ".flv"})
	rB := rA.publish(t, "ok", 8, newRecorder(t, "", all))
	feedTimed(gopFrames(0, 50, 8<<10), rA)
	feedTimed(gopFrames(0, 50, 100), rB)
	brk()
	for i := 50; i < 400; i += 50 { // 14 s of failing disk
		feedTimed(gopFrames(i, i+50, 8<<10), rA)
		feedTimed(gopFrames(i, i+50, 100), rB)
	}
	evs := rA.doneEvents()
	if len(evs) == 0 || !errors.Is(evs[0].Err, errno) || evs[0].Reason != ReasonError {
		t.Fatalf("events %+v, want a %v error", evs, errno)
	}
	for _, ev := range evs {
		if ev.Name == "cam" {
			checkMeta(t, ev.Path)
			if ev.Size != fileSize(t, ev.Path) || len(readFLV(t, ev.Path).Tags) < 50 {
				t.Fatalf("failed file %s: event size %d, %d bytes", ev.Path, ev.Size, fileSize(t, ev.Path))
			}
		}
	}
	failures := countLines(rA.logs.String(), "record: write failed") + countLines(rA.logs.String(), "record: open failed")
	if failures < 2 || failures > 6 { // backing off: 2, 4, 8 s
		t.Fatalf("%d failure lines in 14 s of failing disk:\n%s", failures, rA.logs)
	}
	fix()
	rA.clk.Advance(maxRetryDelay)
	feedTimed(gopFrames(400, 450, 8<<10), rA)
	feedTimed(gopFrames(400, 450, 100), rB)
	rA.close(rtmp.CloseUnpublish)
	rB.close(rtmp.CloseUnpublish)
	checkResumed(t, rA.doneEvents())
}

// checkResumed: the last file of "cam" holds every frame since the
// resume, and "ok" holds all 450 frames of each kind.
func checkResumed(t *testing.T, evs []Event) {
	t.Helper()
	var lastA, okB *Event
	for i := range evs {
		switch evs[i].Name {
		case "cam":
			lastA = &evs[i]
		case "ok":
			okB = &evs[i]
		}
	}
	if lastA == nil || lastA.Err != nil || lastA.VideoFrames != 50 || lastA.FirstTime != 400*40 {
		t.Fatalf("no clean file after the disk recovered: %+v", lastA)
	}
	if okB == nil || okB.Err != nil || okB.VideoFrames != 450 || okB.AudioFrames != 450 {
		t.Fatalf("healthy stream: %+v", okB)
	}
	for _, ev := range []*Event{lastA, okB} {
		checkMeta(t, ev.Path)
	}
}

// TestDiskErrorEIO: an I/O error injected under the writer.
func TestDiskErrorEIO(t *testing.T) {
	ctl, dir := &faults{}, t.TempDir()
	wrap := func(s sink) sink {
		if strings.HasPrefix(s.Name(), dir) {
			return &faultySink{s, ctl}
		}
		return s
	}
	diskFailure(t, dir, syscall.EIO, func(m *Module) { m.wrap = wrap },
		func() { ctl.set(true, 100, syscall.EIO) }, func() { ctl.set(false, 0, nil) })
}

// TestDiskErrorENOSPC: a real 1 MiB tmpfs fills up.
func TestDiskErrorENOSPC(t *testing.T) {
	dir := testenv.Tmpfs(t, "1m")
	filler := filepath.Join(dir, "filler")
	diskFailure(t, dir, syscall.ENOSPC, nil, func() { fill(t, filler) }, func() {
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
	})
}

// fill writes to path until the file system is full.
func fill(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 16<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

const efbigChild = "RECORD_TEST_EFBIG_CHILD"

// TestDiskErrorEFBIG: RLIMIT_FSIZE caps file sizes (SIGXFSZ ignored, so
// writes fail with EFBIG). The limit holds for the whole process, so the
// scenario runs in a child process of the test binary.
func TestDiskErrorEFBIG(t *testing.T) {
	if os.Getenv(efbigChild) == "1" {
		efbigScenario(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskErrorEFBIG$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), efbigChild+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestDiskErrorEFBIG") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func efbigScenario(t *testing.T) {
	signal.Ignore(syscall.SIGXFSZ)
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &orig); err != nil {
		t.Fatal(err)
	}
	set := func(cur uint64) {
		lim := orig
		lim.Cur = cur
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
	}
	// "cam" reaches 600 KiB about 15 frames after the limit is set and
	// again 65 frames into every new file; "ok" stays far below it.
	diskFailure(t, t.TempDir(), syscall.EFBIG, nil, func() { set(600 << 10) }, func() { set(orig.Cur) })
}
