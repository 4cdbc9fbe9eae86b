package recfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestRemoveTakesDirectoryRecordingsWhole: a file goes; a directory
// recording goes with every file in it, its lock included; a directory
// without the lock file is refused and kept; a path already gone is
// fs.ErrNotExist. BusyDir sees the lock a writer holds, and a directory
// without one is not busy.
func TestRemoveTakesDirectoryRecordingsWhole(t *testing.T) {
	root := t.TempDir()
	write := func(p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file, rec, other := filepath.Join(root, "a.flv"), filepath.Join(root, "cam"), filepath.Join(root, "photos")
	write(file)
	for _, n := range []string{DirLock, "index.m3u8", "init.mp4", "000000.m4s", ".index.m3u8.tmp"} {
		write(filepath.Join(rec, n))
	}
	write(filepath.Join(other, "a.jpg"))
	lock, err := os.OpenFile(filepath.Join(rec, DirLock), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := LockWhole(lock); err != nil {
		t.Fatal(err)
	}
	if busy, err := BusyDir(rec); !busy || err != nil {
		t.Errorf("held: busy %v, %v", busy, err)
	}
	lock.Close()
	if busy, err := BusyDir(rec); busy || err != nil {
		t.Errorf("released: busy %v, %v", busy, err)
	}
	if busy, err := BusyDir(other); busy || err != nil {
		t.Errorf("no lock file: busy %v, %v", busy, err)
	}
	for _, p := range []string{file, rec} {
		if err := Remove(p); err != nil {
			t.Errorf("remove %s: %v", p, err)
		}
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still there: %v", p, err)
		}
	}
	if err := Remove(other); err == nil {
		t.Error("a directory without the lock file was removed")
	}
	if _, err := os.Stat(filepath.Join(other, "a.jpg")); err != nil {
		t.Errorf("its file: %v", err)
	}
	if err := Remove(rec); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removing again: %v", err)
	}
}
