package record

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestRecordNeverFollowsLinksBelowRecordPath: links planted in
// record_path never make the recorder create, cut or append to a file
// outside it, with or without record_append: the planted name is refused
// with a log line, the next free name is used, and everything outside is
// left byte for byte as it was.
func TestRecordNeverFollowsLinksBelowRecordPath(t *testing.T) {
	elsewhereFLV := recordBytes(t, vSeq(0), vKey(0, 0), vInter(40, 1))
	foreign := append([]byte("FLV\x01\x05\x00\x00\x00\x09"), []byte(strings.Repeat("precious, not ours. ", 200))...)
	tests := []struct {
		name   string
		suffix string
		plant  func(t *testing.T, dir, outside string)
		want   string // the file recorded, relative to record_path
	}{
		{"dangling symlink", ".flv", func(t *testing.T, dir, outside string) {
			symlink(t, filepath.Join(outside, "created-outside.flv"), filepath.Join(dir, "cam.flv"))
		}, "cam-1.flv"},
		{"symlink to a foreign file starting with FLV\\x01", ".flv", func(t *testing.T, dir, outside string) {
			writeFile(t, filepath.Join(outside, "foreign"), foreign)
			symlink(t, filepath.Join(outside, "foreign"), filepath.Join(dir, "cam.flv"))
		}, "cam-1.flv"},
		{"symlink to an FLV elsewhere", ".flv", func(t *testing.T, dir, outside string) {
			writeFile(t, filepath.Join(outside, "other.flv"), elsewhereFLV)
			symlink(t, filepath.Join(outside, "other.flv"), filepath.Join(dir, "cam.flv"))
		}, "cam-1.flv"},
		{"hard link to an FLV elsewhere", ".flv", func(t *testing.T, dir, outside string) {
			writeFile(t, filepath.Join(outside, "other.flv"), elsewhereFLV)
			if err := os.Link(filepath.Join(outside, "other.flv"), filepath.Join(dir, "cam.flv")); err != nil {
				t.Fatal(err)
			}
		}, "cam-1.flv"},
		{"symlinked directory component", "/day.flv", func(t *testing.T, dir, outside string) {
			symlink(t, outside, filepath.Join(dir, "cam"))
		}, "cam-1/day.flv"},
	}
	for _, tt := range tests {
		for _, appendMode := range []bool{true, false} {
			if !appendMode && !strings.Contains(tt.name, "directory") {
				continue // without append O_EXCL already skips every existing name
			}
			t.Run(tt.name+map[bool]string{true: " append", false: ""}[appendMode], func(t *testing.T) {
				rc := newRecorder(t, "", all)
				rc.Append, rc.Suffix = appendMode, tt.suffix
				outside := t.TempDir()
				tt.plant(t, rc.Path, outside)
				before, planted := snapshot(t, outside), snapshot(t, rc.Path)
				r := newRig(t, rc)
				in := []media.Frame{vSeq(0), aSeq(0), vKey(0, 0), aRaw(10, 0), vInter(40, 1)}
				r.feed(in...)
				r.close(rtmp.CloseUnpublish)
				if got := snapshot(t, outside); !equalSnapshots(got, before) {
					t.Fatalf("outside record_path changed:\nbefore %q\nafter  %q", before, got)
				}
				after := snapshot(t, rc.Path)
				for p, v := range planted {
					if after[p] != v {
						t.Fatalf("planted %s changed", p)
					}
				}
				if got := r.paths(); len(got) != 1 || got[0] != filepath.Join(rc.Path, tt.want) {
					t.Fatalf("recorded %v, want %s", got, tt.want)
				}
				if got, want := tagsString(readFLV(t, r.paths()[0]).Tags), "V0h A0h V0k A10 V40"; got != want {
					t.Fatalf("tags %s, want %s", got, want)
				}
				if !strings.Contains(r.logs.String(), "not using this file name") {
					t.Fatalf("refusal not logged:\n%s", r.logs)
				}
			})
		}
	}
}

// TestRecordPathMayBeSymlink: record_path itself is the operator's to
// point anywhere: files are created and appended to through it.
func TestRecordPathMayBeSymlink(t *testing.T) {
	real := t.TempDir()
	rc := newRecorder(t, "", all)
	rc.Append = true
	rc.Path = filepath.Join(rc.Path, "link")
	symlink(t, real, rc.Path)
	for range 2 {
		r := newRig(t, rc)
		r.feed(vSeq(0), vKey(0, 0), vInter(40, 1))
		r.close(rtmp.CloseUnpublish)
	}
	if got := files(t, real); len(got) != 1 || got[0] != "cam.flv" {
		t.Fatalf("files %v, want cam.flv", got)
	}
	if got, want := tagsString(readFLV(t, filepath.Join(real, "cam.flv")).Tags), "V0h V0k V40 V40h V40k V80"; got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot maps every entry under dir to its content: a regular file's
// bytes, a link's target ("-> target"), "dir" for a directory.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.Type()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			out[rel] = "-> " + target
			return err
		case d.IsDir():
			out[rel] = "dir"
		default:
			b, err := os.ReadFile(p)
			out[rel] = string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func equalSnapshots(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestRecordMP4JournalNeverFollowsALink: a link planted at the hidden
// name of an mp4 recording's journal is not followed (the file it points
// at is left as it was): the recording takes the next free name, whose
// journal is made beside it and removed at close.
func TestRecordMP4JournalNeverFollowsALink(t *testing.T) {
	rc := isoRecorder(t, "mp4")
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "precious"), []byte("not a journal"))
	symlink(t, filepath.Join(outside, "precious"), filepath.Join(rc.Path, ".cam.mp4.journal"))
	r := newRig(t, rc)
	r.feed(clipFrames(t, "av")...)
	r.close(rtmp.CloseUnpublish)
	if got := r.paths(); len(got) != 1 || got[0] != filepath.Join(rc.Path, "cam-1.mp4") {
		t.Fatalf("paths %v\n%s", got, r.logs.String())
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "precious")); string(b) != "not a journal" {
		t.Fatalf("the linked file became %q", b)
	}
	if _, err := os.Lstat(filepath.Join(rc.Path, ".cam-1.mp4.journal")); !os.IsNotExist(err) {
		t.Fatalf("journal left: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(rc.Path, "cam.mp4")); !os.IsNotExist(err) {
		t.Fatalf("the refused name's file was left: %v", err)
	}
	if !strings.Contains(r.logs.String(), "in the way of the recording's journal") {
		t.Fatalf("no warning:\n%s", r.logs.String())
	}
}
