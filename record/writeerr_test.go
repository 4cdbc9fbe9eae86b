package record

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/rtmprecd/rtmprecd/rtmp"
)

// faults is the switch of every faultySink of a test: while fail is set,
// a write puts only partial of its bytes into the file (as a disk that
// fills up mid-write does) and returns err.
type faults struct {
	mu      sync.Mutex
	fail    bool
	partial int64
	err     error
}

func (f *faults) set(fail bool, partial int64, err error) {
	f.mu.Lock()
	f.fail, f.partial, f.err = fail, partial, err
	f.mu.Unlock()
}

// faultySink is a sink that fails on command.
type faultySink struct {
	sink
	f *faults
}

func (s *faultySink) Writev(bufs [][]byte) (int64, error) {
	s.f.mu.Lock()
	fail, left, ferr := s.f.fail, s.f.partial, s.f.err
	s.f.mu.Unlock()
	if !fail {
		return s.sink.Writev(bufs)
	}
	var part [][]byte
	for _, b := range bufs {
		n := min(int64(len(b)), left)
		part = append(part, b[:n])
		left -= n
	}
	n, err := s.sink.Writev(part)
	if err != nil {
		return n, err
	}
	return n, ferr
}

// injectFaults makes every file the module opens a faultySink.
func injectFaults(m *Module) *faults {
	f := &faults{}
	m.wrap = func(s sink) sink { return &faultySink{s, f} }
	return f
}

// TestWriteErrorClosesAndRetries: an EIO ends the file with an error
// event and a "warning" Record.Failed (never "error"), the file is cut
// back to its last whole tag, and the recorder retries at a break frame
// after retryDelay with a new name.
func TestWriteErrorClosesAndRetries(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.Notify = true
	r := newRig(t, rc)
	ctl := injectFaults(r.m)
	r.feed(vSeq(0), vKey(0, 0), vInter(40, 1))
	ctl.set(true, 20, syscall.EIO) // 20 bytes of the next write land
	r.feed(vKey(80, 2))            // a keyframe flushes: the write fails
	ctl.set(false, 0, nil)
	evs := r.doneEvents()
	if len(evs) != 1 || evs[0].Reason != ReasonError || !errors.Is(evs[0].Err, syscall.EIO) {
		t.Fatalf("events %+v", evs)
	}
	p0 := evs[0].Path
	if got, want := tagsString(readFLV(t, p0).Tags), "V0h V0k"; got != want {
		t.Fatalf("failed file %s, want %s", got, want)
	}
	if evs[0].Size != fileSize(t, p0) {
		t.Fatalf("event size %d, file %d", evs[0].Size, fileSize(t, p0))
	}
	checkMeta(t, p0)
	r.feed(vKey(120, 3)) // too early to retry
	r.clk.Advance(retryDelay)
	r.feed(vInter(160, 4), vKey(200, 5))
	r.close(rtmp.CloseUnpublish)
	p := r.paths()
	if len(p) != 2 || p[1] != filepath.Join(rc.Path, "cam-1.flv") {
		t.Fatalf("paths %v", p)
	}
	if got, want := tagsString(readFLV(t, p[1]).Tags), "V0h V0k"; got != want {
		t.Fatalf("retried file %s, want %s", got, want)
	}
	for _, s := range r.src.statuses() {
		if s.level == "error" {
			t.Fatalf("status with level error: %v", s)
		}
	}
	if got := r.src.statuses(); len(got) != 5 || got[1] != (status{"warning", "NetStream.Record.Failed", ""}) {
		t.Fatalf("statuses %v", got)
	}
	if n := countLines(r.logs.String(), "record: write failed"); n != 1 {
		t.Fatalf("%d write failure lines, want 1:\n%s", n, r.logs)
	}
}

func countLines(s, sub string) int { return strings.Count(s, sub) }
