package record

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestFileWithoutMediaIsRemoved: a file this recorder created that got no
// media frame is removed at close: no file, no record-done event, one
// debug line; the publisher still gets Record.Start and Record.Stop.
func TestFileWithoutMediaIsRemoved(t *testing.T) {
	tests := []struct {
		name  string
		flags conf.RecordFlags
		run   func(t *testing.T, r *rig)
	}{
		{"manual start and stop before a key frame", conf.RecordManual | all, func(t *testing.T, r *rig) {
			r.feed(vSeq(0), aSeq(0), vKey(0, 0))
			if _, err := r.m.Start("live", "cam", ""); err != nil {
				t.Fatal(err)
			}
			r.feed(vInter(40, 1), aRaw(45, 0), vInter(80, 2))
			if _, err := r.m.Stop("live", "cam", ""); err != nil {
				t.Fatal(err)
			}
		}},
		{"publisher sends only sequence headers", all, func(t *testing.T, r *rig) {
			r.feed(vSeq(0), aSeq(0))
			r.close(rtmp.CloseUnpublish)
		}},
		{"the disk fails at the first key frame", all, func(t *testing.T, r *rig) {
			ctl := injectFaults(r.m)
			r.feed(vSeq(0)) // opens the file: header and metadata room written
			ctl.set(true, 0, syscall.EIO)
			r.feed(vKey(0, 0))
			r.close(rtmp.CloseUnpublish)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newRecorder(t, "", tt.flags)
			rc.Notify = true
			r := newRig(t, rc)
			tt.run(t, r)
			if got := files(t, rc.Path); len(got) != 0 {
				t.Fatalf("files left: %v", got)
			}
			if evs := r.doneEvents(); len(evs) != 0 {
				t.Fatalf("record-done events for a removed file: %+v", evs)
			}
			if n := strings.Count(r.logs.String(), "level=DEBUG msg=\"record: removed a file without media\""); n != 1 {
				t.Fatalf("%d debug lines, want 1:\n%s", n, r.logs)
			}
			var codes []string
			for _, st := range r.src.statuses() {
				if st.code != "NetStream.Record.Failed" {
					codes = append(codes, st.code)
				}
			}
			if strings.Join(codes, " ") != "NetStream.Record.Start NetStream.Record.Stop" {
				t.Fatalf("statuses %v", codes)
			}
		})
	}
}

// TestAppendedFileWithoutMediaIsKept: a file that existed before the open
// (record_append) is never removed, even when this session added nothing.
func TestAppendedFileWithoutMediaIsKept(t *testing.T) {
	old := recordBytes(t, vSeq(0), vKey(0, 0), vInter(40, 1))
	for _, existing := range [][]byte{old, nil} {
		rc := newRecorder(t, "", conf.RecordManual|all)
		rc.Append = true
		p := filepath.Join(rc.Path, "cam.flv")
		writeFile(t, p, existing)
		r := newRig(t, rc)
		if _, err := r.m.Start("live", "cam", ""); err != nil {
			t.Fatal(err)
		}
		r.feed(vSeq(100), vInter(140, 1))
		if _, err := r.m.Stop("live", "cam", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("existing file of %d bytes removed: %v", len(existing), err)
		}
		if len(existing) > 0 { // the metadata is updated, the old tags stay
			b, _ := os.ReadFile(p)
			skip := readFLVRawBytes(t, old).Tags[1].Offset
			if !bytes.Equal(b[skip:len(old)], old[skip:]) {
				t.Fatal("old tags changed")
			}
		}
		if strings.Contains(r.logs.String(), "removed a file") {
			t.Fatalf("removal logged:\n%s", r.logs)
		}
	}
}

// TestForcedSplitLosesNoFrame: a split forced by FLV's 32-bit timestamp
// limit can fall in the middle of a GOP; the next file starts with the
// sequence headers and goes on with the inter frames and audio up to the
// next key frame, so the files together hold every frame.
func TestForcedSplitLosesNoFrame(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	// A GOP that runs for more than an hour (no break frame, so no early
	// split) up to 400 ms before the limit, then on past it; the next key
	// frame comes 600 ms after the limit.
	in := []media.Frame{vSeq(0), aSeq(0), vKey(0, 0), aRaw(5, 0)}
	base := int64(maxTS - 400)
	for i := 1; i < 40; i++ {
		v := vInter(base+int64(i)*40, i)
		if i%25 == 0 {
			v = vKey(v.Time, i)
		}
		in = append(in, v, aRaw(v.Time+5, i))
	}
	r.feed(in...)
	r.close(rtmp.CloseUnpublish)
	p := r.paths()
	if len(p) != 2 {
		t.Fatalf("files %v, want 2", p)
	}
	var got []string
	for i, path := range p {
		f := readFLV(t, path)
		if hdrs := tagsString(f.Tags[:2]); hdrs != "V0h A0h" && hdrs != "A0h V0h" {
			t.Fatalf("file %d starts %s, want the sequence headers", i, hdrs)
		}
		for _, tg := range f.Tags[2:] {
			got = append(got, string(tg.Data))
		}
	}
	var want []string
	for _, f := range in {
		if !f.SeqHeader {
			want = append(want, string(f.Payload))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("files hold %d media frames, published %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("frame %d differs", i)
		}
	}
	second := mediaTags(readFLV(t, p[1]))
	for _, tg := range second {
		if tg.Type == flv.TagVideo {
			if tg.IsKeyframe() {
				t.Fatalf("second file's video starts with a key frame: %s", tagsString(second[:6]))
			}
			break
		}
	}
}
