package recfile

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// TestMatches: only names the recorder produces are recordings: the
// suffix (or any strftime expansion of it), a non-empty stem, no hidden
// component.
func TestMatches(t *testing.T) {
	lit := Root{Suffix: ".mp4"}
	timed := Root{Suffix: "-%Y%m%d/%H%M.mp4", Timed: true}
	for _, c := range []struct {
		r    Root
		rel  string
		want bool
	}{
		{lit, "cam.mp4", true},
		{lit, "cam-1.mp4", true},
		{lit, "sub/cam.mp4", true},
		{lit, ".mp4", false},
		{lit, ".cam.mp4.journal", false},
		{lit, ".cam.mp4", false},
		{lit, ".hidden/cam.mp4", false},
		{lit, "cam.flv", false},
		{lit, "cam.mp4.tmp", false},
		{timed, "cam-20260101/1200.mp4", true},
		{timed, "cam-20260101/.1200.mp4", false},
		{timed, "cam-20260101/1200.flv", false},
		{timed, "cam.mp4", false},
		{Root{Suffix: "%%.mp4", Timed: true}, "cam%.mp4", true},
		{Root{Suffix: "-$recorder/$name.mp4", Timed: true}, "cam-hd/cam.mp4", true},
		{Root{Suffix: "-$recorder/$name.mp4", Timed: true}, "cam-hd/.cam.mp4", false},
		{Root{Suffix: "$$.mp4", Timed: true}, "cam$.mp4", true},
		{Root{Suffix: "$$.mp4", Timed: true}, "cam.mp4", false},
	} {
		if got := c.r.Matches(c.rel); got != c.want {
			t.Errorf("%q with suffix %q: %v, want %v", c.rel, c.r.Suffix, got, c.want)
		}
	}
}

// TestWalk: Walk passes the recordings below the root and nothing kept
// beside them (journals, hidden directories), no link and no other
// suffix; a missing root is no error.
func TestWalk(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a.mp4", "b-1.mp4", ".a.mp4.journal", "x.flv", "sub/c.mp4", ".spool/d.mp4"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink(filepath.Join(dir, "a.mp4"), filepath.Join(dir, "link.mp4"))
	var got []string
	err := Walk(Root{Dir: dir, Suffix: ".mp4"}, func(p string) error {
		rel, _ := filepath.Rel(dir, p)
		got = append(got, rel)
		return nil
	})
	if want := []string{"a.mp4", "b-1.mp4", "sub/c.mp4"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("walk: %v, %v; want %v", got, err, want)
	}
	if err := Walk(Root{Dir: filepath.Join(dir, "none"), Suffix: ".mp4"}, func(string) error { return nil }); err != nil {
		t.Fatalf("missing root: %v", err)
	}
}

// TestMarkIsBusy: a file marked by a writer is busy from any other open
// (another process, or another open in this one) until the writer's
// descriptor closes; the mark does not stop a reader.
func TestMarkIsBusy(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.mp4")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE, 0o644) // as the recorder creates files
	if err != nil {
		t.Fatal(err)
	}
	if busy, err := Busy(p); err != nil || busy {
		t.Fatalf("unmarked: %v, %v", busy, err)
	}
	if err := Mark(f); err != nil {
		t.Fatal(err)
	}
	if busy, err := Busy(p); err != nil || !busy {
		t.Fatalf("marked: %v, %v", busy, err)
	}
	if held, err := Held(f); err != nil || held {
		t.Fatalf("the writer's own descriptor sees its mark as held: %v, %v", held, err)
	}
	if _, err := os.ReadFile(p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if busy, err := Busy(p); err != nil || busy {
		t.Fatalf("after close: %v, %v", busy, err)
	}
}

// TestWalkDirsFindsDirectoryRecordings: a directory holding our lock file
// is one HLS recording: WalkDirs reports it and does not descend, and
// Walk never takes its init.mp4 or segments for recordings of their own.
func TestWalkDirsFindsDirectoryRecordings(t *testing.T) {
	root := t.TempDir()
	mk := func(rel string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("cam/" + DirLock)
	mk("cam/init.mp4")
	mk("cam/inner/" + DirLock) // inside a recording: not walked
	mk("live/door/" + DirLock)
	mk("plain/other.mp4") // no lock: a directory, not a recording
	mk(".spool/x/" + DirLock)
	if err := os.Symlink(filepath.Join(root, "cam"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	if err := WalkDirs(Root{Dir: root}, func(d string) error {
		rel, _ := filepath.Rel(root, d)
		dirs = append(dirs, rel)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"cam", "live/door"}; !slices.Equal(dirs, want) {
		t.Errorf("WalkDirs found %q, want %q", dirs, want)
	}
	var files []string
	if err := Walk(Root{Dir: root, Suffix: ".mp4"}, func(p string) error {
		rel, _ := filepath.Rel(root, p)
		files = append(files, rel)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"plain/other.mp4"}; !slices.Equal(files, want) {
		t.Errorf("Walk found %q, want %q", files, want)
	}
}
