package hls

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/record/format"
)

// crashedDir makes what a crash leaves: a lock file, a playlist without
// ENDLIST listing two segments, the segment being written, an init
// segment never listed and a temporary playlist.
func crashedDir(t *testing.T) string {
	t.Helper()
	d, dir := openDir(t)
	for _, n := range []string{format.LockName, "000000.ts", "000001.ts", "000002.ts", "init-1.mp4", tempName} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := playlist{dir: d, version: 3, target: 6}
	for _, e := range []entry{{pdt: t0, ms: 6000, uri: "000000.ts"}, {ms: 4000, uri: "000001.ts"}} {
		if err := p.list(e); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRepairDirClosesAndRemovesUnlisted: the playlist gets ENDLIST and
// still validates, the unlisted files go, the listed ones stay; a second
// repair finds nothing to do.
func TestRepairDirClosesAndRemovesUnlisted(t *testing.T) {
	dir := crashedDir(t)
	res, err := RepairDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(res.Removed)
	if !res.Closed || res.Segments != 2 || res.MS != 10000 || !slices.Equal(res.Removed, []string{"000002.ts", "init-1.mp4"}) {
		t.Fatalf("%+v", res)
	}
	if _, err := os.Stat(filepath.Join(dir, tempName)); !os.IsNotExist(err) {
		t.Fatalf("temporary playlist left: %v", err)
	}
	p := readParsed(t, filepath.Join(dir, PlaylistName))
	if err := Validate(p, true); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"000000.ts", "000001.ts", format.LockName} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Fatalf("listed file removed: %v", err)
		}
	}
	if again, err := RepairDir(dir, nil); err != nil || again.Closed || len(again.Removed) != 0 {
		t.Fatalf("second repair: %+v, %v", again, err)
	}
}

// TestRepairDirSkips: a directory without our lock file is not ours and
// one whose lock is held is live: neither is touched.
func TestRepairDirSkips(t *testing.T) {
	dir := crashedDir(t)
	f, err := os.OpenFile(filepath.Join(dir, format.LockName), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		t.Fatal(err)
	}
	if res, err := RepairDir(dir, nil); err != nil || res.Skipped != "live" || res.Closed {
		t.Fatalf("live: %+v, %v", res, err)
	}
	f.Close()
	os.Remove(filepath.Join(dir, format.LockName))
	if res, err := RepairDir(dir, nil); err != nil || res.Skipped != "not ours" {
		t.Fatalf("not ours: %+v, %v", res, err)
	}
	if p := readParsed(t, filepath.Join(dir, PlaylistName)); p.Ended {
		t.Fatal("a skipped playlist was changed")
	}
}

// TestOurFile: only the names this package writes are repair's to
// remove.
func TestOurFile(t *testing.T) {
	for name, want := range map[string]bool{
		"000000.ts": true, "000001.m4s": true, "1234567.ts": true, "init.mp4": true, "init-1.mp4": true,
		"init-12.mp4": true, tempName: true, "index.m3u8": false, format.LockName: false, "00001.ts": false,
		"000001.mp4": false, "init-0.mp4": false, "init-01.mp4": false, "init-.mp4": false, "notes.txt": false,
		"0000x1.ts": false, "init-1.mp4.bak": false,
	} {
		if got := ourFile(name); got != want {
			t.Errorf("ourFile(%q) = %v, want %v", name, got, want)
		}
	}
}
