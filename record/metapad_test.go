package record

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

// TestMetaVariantsReadWithGoFLV: every onMetaData our writer produces,
// the placeholder a crash leaves, the final one, a thinned index, the
// publisher's fields, append (after a clean close and after a crash, and
// onto an old file padded with bare nulls), split pieces and shutdown,
// reads with go-flv as with our reader.
func TestMetaVariantsReadWithGoFLV(t *testing.T) {
	frames := stream{dur: 3000, gop: 25, audio: true, headers: true}.frames()
	more := stream{start: 90000, dur: 2000, gop: 25, audio: true, headers: true}.frames()
	tests := []struct {
		name  string
		files func(t *testing.T) []string
		final bool
	}{
		{"placeholder", func(t *testing.T) []string {
			r := newRig(t, newRecorder(t, "", all))
			r.feed(frames...)
			crash := copyFile(t, r.h.nodes[0].path)
			r.close(rtmp.CloseUnpublish)
			return []string{crash}
		}, false},
		{"final", func(t *testing.T) []string { return recordFiles(t, 0, nil, frames) }, true},
		{"publisher fields", func(t *testing.T) []string {
			return recordFiles(t, 0, amfMeta(t, "encoder", "obs", "bad", "\xff\xfe", "\xc3", 1.0,
				padKey, "x", "fps", 30.0), frames)
		}, true},
		{"thinned", func(t *testing.T) []string { return []string{thinnedFile(t, 100, 10)} }, true},
		{"appended", func(t *testing.T) []string { return appendFiles(t, nil, frames, more) }, true},
		{"appended after crash", func(t *testing.T) []string {
			return appendFiles(t, func(_ *testing.T, b []byte) []byte { return append(b, 9, 0, 1) }, frames, more)
		}, true},
		{"appended to null padding", func(t *testing.T) []string { return appendFiles(t, nullPadded, frames, more) }, true},
		{"split and shutdown", func(t *testing.T) []string { return recordFiles(t, 60, nil, frames) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range tt.files(t) {
				testmedia.CrossCheckGoFLV(t, p)
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				m := testmedia.GoFLVMeta(t, b[flvHeaderLen+flvTagHeader:readFLVRaw(t, p).Tags[1].Offset-4])
				if _, ok := m["filesize"]; ok != tt.final {
					t.Fatalf("%s: go-flv reads %v", p, m)
				}
				if tt.final {
					checkMeta(t, p)
				}
				pad, _ := m[padKey].(string)
				if _, bad := m["bad"]; bad || strings.Trim(pad, " ") != "" {
					t.Fatalf("%s: fields %v", p, m)
				}
				if tt.name == "publisher fields" && (m["encoder"] != "obs" || m["fps"] != 30.0) {
					t.Fatalf("publisher fields %v", m)
				}
			}
		})
	}
}

// recordFiles records frames (with the publisher's metadata meta, and
// record_max_frames maxFrames) until a shutdown and returns the files.
func recordFiles(t *testing.T, maxFrames int64, meta []byte, frames []media.Frame) []string {
	t.Helper()
	rc := newRecorder(t, "", all)
	rc.MaxFrames = maxFrames
	r := newRig(t, rc)
	if meta != nil {
		r.src.setMetadata(meta)
	}
	r.feed(frames...)
	r.close(rtmp.CloseShutdown)
	if p := r.paths(); len(p) == 0 || maxFrames > 0 && len(p) < 2 {
		t.Fatalf("files %v", p)
	}
	return r.paths()
}

// appendFiles records frames, passes the file through edit (a crash, an
// older layout), then appends more to it with record_append.
func appendFiles(t *testing.T, edit func(*testing.T, []byte) []byte, frames, more []media.Frame) []string {
	t.Helper()
	rc := newRecorder(t, "", all)
	rc.Append = true
	r1 := newRig(t, rc)
	r1.feed(frames...)
	r1.close(rtmp.CloseUnpublish)
	p := filepath.Join(rc.Path, "cam.flv")
	if edit != nil {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, edit(t, b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r2 := newRig(t, rc)
	r2.feed(more...)
	r2.close(rtmp.CloseUnpublish)
	if got := r2.paths(); len(got) != 1 || got[0] != p {
		t.Fatalf("appended to %v", got)
	}
	return []string{p}
}

// nullPadded rewrites a file's metadata the way older versions padded
// it: the ECMA array, then AMF0 null markers to the end of the tag.
func nullPadded(t *testing.T, b []byte) []byte {
	t.Helper()
	f, err := flv.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	_, m, err := f.Tags[0].Metadata()
	if err != nil {
		t.Fatal(err)
	}
	// Our fields of a finished file, keyframes first as our writer puts
	// them, without any padding property.
	kf := m["keyframes"].(map[string]any)
	body, err := amf.Append(nil, "onMetaData", amf.ECMAArray{
		{Key: "keyframes", Value: amf.Object{{Key: "times", Value: kf["times"]}, {Key: "filepositions", Value: kf["filepositions"]}}},
		{Key: "duration", Value: m["duration"]}, {Key: "filesize", Value: m["filesize"]},
		{Key: "metadatacreator", Value: creator}})
	if err != nil {
		t.Fatal(err)
	}
	room := b[flvHeaderLen+flvTagHeader : f.Tags[1].Offset-4]
	copy(room, body)
	for i := len(body); i < len(room); i++ {
		room[i] = 0x05
	}
	if _, m, err := (&flv.Tag{Type: flv.TagScript, Data: room}).Metadata(); err != nil || m["metadatacreator"] != creator {
		t.Fatalf("old layout reads as %v: %v", m, err)
	}
	return b
}

// thinnedFile writes keys keyframes into a file whose reserve was sized
// for entries of them, so its index is thinned at close.
func thinnedFile(t *testing.T, keys, entries int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "thin.flv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	var p2 media.Parser
	p2.Media(media.TypeVideo, 0, avcSeqPayload(0))
	op, err := formats["flv"].Open(newOSSink(f), format.Options{Buffer: defaultBuffer, FlushPeriod: defaultFlush,
		Codec: p2.State(), Video: true, ExpectKeys: entries})
	if err != nil {
		t.Fatal(err)
	}
	w := op.Muxer
	for i := range keys {
		fr := p2.Media(media.TypeVideo, int64(i)*40, avcPayload(true, i))
		if err := w.Write(format.Sample{Track: fr.Units[0].Track, Unit: &fr.Units[0], Time: int64(i) * 40, Key: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(readFLVRaw(t, p).Tags) - 1; n != keys {
		t.Fatalf("%d tags", n)
	}
	return p
}

// copyFile copies p, as it is now, into the test's temporary directory.
func copyFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(p))
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
