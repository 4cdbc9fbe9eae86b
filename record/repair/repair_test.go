package repair

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
)

// TestRepairMP4FromJournal: an MP4 recording copied mid-write (journal and
// media as flushed) is finished by repair: the moov goes into the room,
// every packet of the clip is in the file with its source times, the
// journal is gone, and a second repair has nothing to do.
func TestRepairMP4FromJournal(t *testing.T) {
	clip := testmedia.ClipVariant(t, testmedia.AV)
	want := testmedia.Packets(t, clip)
	dir := t.TempDir()
	m := writeRecording(t, "mp4", clip, filepath.Join(dir, "live.mp4"), format.Options{})
	crashed := crashCopy(t, filepath.Join(dir, "live.mp4"), dir, "crashed.mp4")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := File(crashed)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Repaired || res.Format != "mp4" || res.Outgrew || res.Seconds < 3.9 {
		t.Fatalf("result %+v", res)
	}
	got := checkPlays(t, crashed)
	if len(got) != len(want) {
		t.Fatalf("%d packets after repair, the clip has %d", len(got), len(want))
	}
	rep, _ := mp4check.File(crashed)
	if top := rep.Top; len(top) != 4 || top[1] != "moov" {
		t.Fatalf("boxes %v: want the moov in its room", top)
	}
	if _, err := os.Stat(mp4.JournalPath(crashed)); !os.IsNotExist(err) {
		t.Fatalf("journal left: %v", err)
	}
	if again, err := File(crashed); err != nil || again.Repaired {
		t.Fatalf("second repair: %+v, %v", again, err)
	}
}

// TestRepairMP4TornSample: media cut inside its last sample: that sample
// is cut off, the rest plays; with a room too small the moov goes after
// the media.
func TestRepairMP4TornSample(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 12)
	want := testmedia.Packets(t, clip)
	dir := t.TempDir()
	m := writeRecording(t, "mp4", clip, filepath.Join(dir, "live.mp4"), format.Options{SpanDuration: time.Second})
	defer m.Close()
	crashed := crashCopy(t, filepath.Join(dir, "live.mp4"), dir, "crashed.mp4")
	st, _ := os.Stat(crashed)
	if err := os.Truncate(crashed, st.Size()-1); err != nil {
		t.Fatal(err)
	}
	res, err := File(crashed)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Outgrew || res.Cut == 0 || res.Cut >= 1<<20 {
		t.Fatalf("result %+v: want the moov after the media and the torn sample cut", res)
	}
	got := checkPlays(t, crashed)
	if len(got) != len(want)-1 {
		t.Fatalf("%d packets after repair, want the clip's %d but the torn one", len(got), len(want))
	}
}
