package record

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestWriteErrorClosesAndRetries: a failed write ends the file with an
// error event and a "warning" Record.Failed (never "error"), and the
// recorder retries at a break frame after retryDelay with a new name.
func TestWriteErrorClosesAndRetries(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.Notify = true
	r := newRig(t, rc)
	r.feed(vSeq(0), vKey(0, 0))
	r.h.nodes[0].w.(*flvWriter).f.Close() // every later write fails
	r.feed(vInter(40, 1))
	evs := r.doneEvents()
	if len(evs) != 1 || evs[0].Reason != ReasonError || !errors.Is(evs[0].Err, os.ErrClosed) {
		t.Fatalf("events %+v", evs)
	}
	r.feed(vKey(80, 2)) // too early to retry
	r.clk.Advance(retryDelay)
	r.feed(vInter(120, 3), vKey(160, 4))
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
}

// TestFLVWriterCutsPartialTag: after a failed write the file is cut back
// to its last complete tag.
func TestFLVWriterCutsPartialTag(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.flv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := newFLVWriter(f, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(sample{Type: rtmp.TypeVideo, Payload: avcSeqPayload(0)}); err != nil {
		t.Fatal(err)
	}
	good := w.Size()
	// Simulate a torn write: bytes beyond the last complete tag.
	if _, err := f.Write([]byte{9, 0, 0}); err != nil {
		t.Fatal(err)
	}
	w.cut()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if fileSize(t, p) != good {
		t.Fatalf("size %d after cut, want %d", fileSize(t, p), good)
	}
	readFLV(t, p)
	if err := w.Write(sample{Type: rtmp.TypeVideo, Time: maxTS + 1}); err == nil {
		t.Fatal("timestamp past 32 bits accepted")
	}
}
