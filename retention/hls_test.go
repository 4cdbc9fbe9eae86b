package retention

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/playback/playbacktest"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// TestRealHLSRecordingsRemovedWhole: HLS recordings written by the
// recorder's muxers (fMP4 and MPEG-TS segments) past max_age go as whole
// directories: playlist, init segment, segments and the lock file, and
// nothing is left under the root but the recording a live writer holds
// (its lock taken as the recorder takes it), which keeps every file.
func TestRealHLSRecordingsRemovedWhole(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 6)
	e := newEnv(t)
	var old []index.Recording
	held := ""
	for _, kind := range []string{"hls", "hls-ts"} {
		dir := filepath.Join(e.root, kind)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		recs := playbacktest.Record(t, clip, kind, dir, 2*time.Second, e.now)
		if len(recs) < 2 {
			t.Fatalf("%s: %d recordings", kind, len(recs))
		}
		for _, r := range recs {
			old = append(old, e.row("", "cam", r.Row.Path, e.now.Add(-40*day), 1))
		}
		held = recs[len(recs)-1].Row.Path
	}
	lock, err := os.OpenFile(filepath.Join(held, recfile.DirLock), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := recfile.LockWhole(lock); err != nil {
		t.Fatal(err)
	}
	heldFiles, _ := os.ReadDir(held)
	want := make([]string, len(old))
	for i, r := range old {
		want[i] = "deleted:max_age"
		if r.Path == held {
			want[i] = "done"
		}
	}
	e.cleaner(e.policy("", conf.Retention{MaxAge: day})).Pass(context.Background())
	e.expect(old, want)
	var left []string
	filepath.WalkDir(e.root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return err
	})
	if len(left) != len(heldFiles) || len(heldFiles) < 3 {
		t.Errorf("left under the root %q, want only the %d files of %s", left, len(heldFiles), held)
	}
	for _, p := range left {
		if filepath.Dir(p) != held {
			t.Errorf("%s left behind", p)
		}
	}
}
