package hls

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 11, 22, 1, 0, 0, 123e6, time.UTC)

// goldenEntries: a first segment with its map and date, a second plain
// one, an appended session after a discontinuity with a new map.
var goldenEntries = []entry{
	{mapURI: "init.mp4", pdt: t0, ms: 6000, uri: "000000.m4s"},
	{ms: 5960, uri: "000001.m4s"},
	{disc: true, mapURI: "init-1.mp4", pdt: t0.Add(time.Hour), ms: 1, uri: "000002.m4s"},
}

// TestPlaylistGolden: the playlist text, byte for byte, parses back to
// what was written and validates as an ended EVENT playlist.
func TestPlaylistGolden(t *testing.T) {
	d, dir := openDir(t)
	p := playlist{dir: d, version: 6, target: 18}
	for _, e := range goldenEntries {
		if err := p.list(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.end(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, PlaylistName))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden.m3u8")
	if *update {
		os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil || string(got) != string(want) {
		t.Fatalf("playlist:\n%s\nwant (%v):\n%s", got, err, want)
	}
	pl, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(pl, true); err != nil {
		t.Fatal(err)
	}
	if p.size != int64(len(got)) || pl.Body != int64(len(got))-int64(len(endList)) {
		t.Fatalf("size %d, body %d, file %d", p.size, pl.Body, len(got))
	}
	for i, e := range goldenEntries {
		s := pl.Segments[i]
		if s.URI != e.uri || s.MS != e.ms || !s.PDT.Equal(e.pdt) || s.Discontinuity != e.disc || s.NewMap != (e.mapURI != "") {
			t.Fatalf("segment %d: %+v, wrote %+v", i, s, e)
		}
	}
	if pl.Segments[1].Map != "init.mp4" || pl.Segments[2].Map != "init-1.mp4" {
		t.Fatalf("maps in effect: %q, %q", pl.Segments[1].Map, pl.Segments[2].Map)
	}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// TestPlaylistUpdateIsARename: every update replaces the playlist by
// rename (a new inode each time); a failure between writing the new
// version and renaming it leaves the previous one intact and no
// temporary file behind, and the next update still works.
func TestPlaylistUpdateIsARename(t *testing.T) {
	d, dir := openDir(t)
	fd := &faultDir{Dir: d}
	p := playlist{dir: fd, version: 6, target: 18}
	path := filepath.Join(dir, PlaylistName)
	seen := map[uint64]bool{}
	for _, e := range goldenEntries[:2] {
		if err := p.list(e); err != nil {
			t.Fatal(err)
		}
		ino := inode(t, path)
		if seen[ino] {
			t.Fatalf("inode %d reused: the playlist was written in place", ino)
		}
		seen[ino] = true
	}
	before, _ := os.ReadFile(path)
	fd.failRename = true
	if err := p.list(goldenEntries[2]); !errors.Is(err, errInjected) {
		t.Fatalf("list with a failing rename: %v", err)
	}
	if err := p.end(); !errors.Is(err, errInjected) {
		t.Fatalf("end with a failing rename: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Fatalf("playlist changed by a failed update:\n%s\nwas:\n%s", after, before)
	}
	if _, err := os.Stat(filepath.Join(dir, tempName)); !os.IsNotExist(err) {
		t.Fatalf("temporary playlist left behind: %v", err)
	}
	fd.failRename = false
	if err := p.end(); err != nil {
		t.Fatal(err)
	}
	pl := readParsed(t, path)
	if !pl.Ended || len(pl.Segments) != 2 {
		t.Fatalf("after recovery: ended %v, %d segments", pl.Ended, len(pl.Segments))
	}
}

// TestPlaylistReplacesStaleTemp: a temporary playlist left by a crash
// does not stop the next update.
func TestPlaylistReplacesStaleTemp(t *testing.T) {
	d, dir := openDir(t)
	if err := os.WriteFile(filepath.Join(dir, tempName), []byte("torn"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := playlist{dir: d, version: 6, target: 18}
	if err := p.list(goldenEntries[0]); err != nil {
		t.Fatal(err)
	}
	if pl := readParsed(t, filepath.Join(dir, PlaylistName)); len(pl.Segments) != 1 {
		t.Fatalf("%d segments", len(pl.Segments))
	}
}
