package record

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// countingObserver counts what the Observer is told, as metrics would.
type countingObserver struct {
	opened, failed, removed, writes, bytes, flushes, syncs atomic.Int64
}

func (o *countingObserver) FileOpened(string)        { o.opened.Add(1) }
func (o *countingObserver) FileRemoved(string, bool) { o.removed.Add(1) }
func (o *countingObserver) OpenFailed(string, error) { o.failed.Add(1) }
func (o *countingObserver) Flushed(time.Duration)    { o.flushes.Add(1) }
func (o *countingObserver) Synced(time.Duration)     { o.syncs.Add(1) }
func (o *countingObserver) Wrote(n int, _ time.Duration) {
	o.writes.Add(1)
	o.bytes.Add(int64(n))
}

// TestObserver: with record_fsync and a tiny buffer, every open, write,
// flush and fdatasync reaches the Observer, the bytes reported are the
// file's, and OnAV still does not allocate, in every format.
func TestObserver(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) { testObserver(t, format) })
	}
}

func testObserver(t *testing.T, format string) {
	o := &countingObserver{}
	rec := formatRecorder(t, format, all)
	rec.Fsync = true
	r := newRigWith(t, func(m *Module) { m.Observer = o; m.BufferSize = 1 }, rec)
	r.feed(vSeq(0), aSeq(0), vKey(0, 0))
	v := media.Frame{Type: media.TypeVideo, Payload: avcPayload(false, 1)}
	i := int64(0)
	if format == "fmp4" {
		// Steady state: the init segment is written with the first
		// fragment, and the fragment's buffers have grown, after a second.
		for ; i < 30; i++ {
			v.Time = i * 40
			r.onAV(&v)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() {
		i++
		v.Time = i * 40
		r.onAV(&v)
	}); allocs != 0 {
		t.Errorf("%v allocations per frame with an Observer, want 0", allocs)
	}
	r.close(rtmp.CloseUnpublish)
	evs := r.doneEvents()
	if len(evs) != 1 {
		t.Fatalf("events %+v", evs)
	}
	// A write per frame with a 1-byte buffer; an fMP4 writes whole
	// fragments, one a second here (5 s of frames: the init segment,
	// 5 fragments, the mfra).
	want := int64(100)
	if format == "fmp4" {
		want = 5
	}
	if o.opened.Load() != 1 || o.writes.Load() < want || o.syncs.Load() < want || o.flushes.Load() < want {
		t.Errorf("opened %d, writes %d, syncs %d, flushes %d; want 1 and >= %d of each",
			o.opened.Load(), o.writes.Load(), o.syncs.Load(), o.flushes.Load(), want)
	}
	if got := o.bytes.Load(); got <= 0 || got > evs[0].Size {
		t.Errorf("observed %d bytes written, file holds %d", got, evs[0].Size)
	}
}

// TestObserverOpenFailed: a record_path under a regular file fails to
// open, and the Observer hears it.
func TestObserverOpenFailed(t *testing.T) {
	o := &countingObserver{}
	rec := newRecorder(t, "", all)
	file := filepath.Join(rec.Path, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rec.Path = filepath.Join(file, "sub")
	r := newRigWith(t, func(m *Module) { m.Observer = o }, rec)
	r.feed(vSeq(0), aSeq(0), vKey(0, 0))
	if o.failed.Load() != 1 || o.opened.Load() != 0 {
		t.Errorf("failed %d, opened %d; want 1, 0", o.failed.Load(), o.opened.Load())
	}
}

// TestObserverFileRemoved: a file removed for want of media gets no Event,
// so the Observer hears of it instead (the open-files gauge comes back).
func TestObserverFileRemoved(t *testing.T) {
	o := &countingObserver{}
	r := newRigWith(t, func(m *Module) { m.Observer = o }, newRecorder(t, "", all))
	r.feed(vSeq(0), aSeq(0))
	r.close(rtmp.CloseUnpublish)
	if o.opened.Load() != 1 || o.removed.Load() != 1 || len(r.doneEvents()) != 0 {
		t.Errorf("opened %d, removed %d, events %d; want 1, 1, 0", o.opened.Load(), o.removed.Load(), len(r.doneEvents()))
	}
}
