package record

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestFileEventsComeInOrderWithRecordDone: a split gives opened, closed,
// opened, closed in that order; a manual start stopped before any key
// frame gives opened then discarded, and no record-done event.
func TestFileEventsComeInOrderWithRecordDone(t *testing.T) {
	rec := newRecorder(t, "rec1", all)
	rec.MaxFrames = 2
	var mu sync.Mutex
	var got []string
	r := newRigWith(t, func(m *Module) {
		m.FileEvents(func(ev FileEvent) {
			mu.Lock()
			got = append(got, map[FileEventKind]string{FileOpened: "opened", FileDiscarded: "discarded"}[ev.Kind]+" "+filepath.Base(ev.Path))
			mu.Unlock()
		})
		m.Events(func(ev Event) {
			mu.Lock()
			got = append(got, "closed "+filepath.Base(ev.Path))
			mu.Unlock()
		})
	}, rec)
	r.feed(vSeq(0), vKey(0, 0), vInter(40, 1), vKey(80, 2))
	r.close(rtmp.CloseUnpublish)
	want := []string{"opened cam.flv", "closed cam.flv", "opened cam-1.flv", "closed cam-1.flv"}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %q, want %q", got, want)
		}
	}
}

func TestFileEventDiscardedForAFileWithoutMedia(t *testing.T) {
	rec := newRecorder(t, "rec1", conf.RecordManual|all)
	var kinds []FileEventKind
	r := newRigWith(t, func(m *Module) {
		m.FileEvents(func(ev FileEvent) { kinds = append(kinds, ev.Kind) })
	}, rec)
	r.feed(vSeq(0))
	if _, err := r.m.Start("live", "cam", "rec1"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Stop("live", "cam", "rec1"); err != nil {
		t.Fatal(err)
	}
	if len(kinds) != 2 || kinds[0] != FileOpened || kinds[1] != FileDiscarded || len(r.doneEvents()) != 0 {
		t.Fatalf("kinds %v, done %d", kinds, len(r.doneEvents()))
	}
}
