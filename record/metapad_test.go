package record

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goflvtag "github.com/yutopp/go-flv/tag"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

// goFLVMeta decodes an onMetaData body with go-flv's script data decoder,
// an AMF0 reader independent of ours that rejects anything outside the
// spec's name/value layout.
func goFLVMeta(t testing.TB, body []byte) map[string]any {
	t.Helper()
	var sd goflvtag.ScriptData
	if err := goflvtag.DecodeScriptData(bytes.NewReader(body), &sd); err != nil {
		t.Fatalf("go-flv: %v", err)
	}
	m, ok := sd.Objects["onMetaData"]
	if !ok || len(sd.Objects) != 1 {
		t.Fatalf("go-flv: script data %v", sd.Objects)
	}
	return m
}

// TestMetaFitEverySize: for every reserve size from the bare fields up,
// fit fills it exactly (thinning the index one step more when the room
// left is below one padding property; only the barest body, with its
// whole index thinned away, can be left with no size to go to), and both our strict reader and
// go-flv read the body, with padding only as "padding" strings of spaces.
func TestMetaFitEverySize(t *testing.T) {
	fields := metaFields{hasVideo: true, videoCodec: 7, width: 640, height: 360,
		pub: amf.Object{{Key: "encoder", Value: "obs"}}}
	var times, pos []int64
	for i := range int64(40) {
		times, pos = append(times, i*2000), append(pos, 1000+i*50000)
	}
	d := metaDoc{f: &fields, final: true, duration: 80, filesize: 3e6, times: times, pos: pos}
	full, fits := len(d.encode(nil, 0)), 0
	for size := 100; size <= full+3*padMax; size++ {
		body, ok := d.fit(size)
		if !ok && fits > 0 && size >= fits+padMin { // below: the bare body, but no room for padding
			t.Fatalf("size %d does not fit, %d did", size, fits)
		}
		if !ok {
			continue
		}
		fits = cmp.Or(fits, size)
		if len(body) != size {
			t.Fatalf("size %d: body of %d bytes", size, len(body))
		}
		tag := flv.Tag{Type: flv.TagScript, Data: body}
		name, ours, err := tag.Metadata()
		if err != nil || name != "onMetaData" {
			t.Fatalf("size %d: our reader: %q %v", size, name, err)
		}
		// The array's count is a hint to readers, but keep it right.
		vals, err := amf.Decode(body, amf.DefaultLimits)
		if err != nil || len(vals) != 2 {
			t.Fatalf("size %d: rtmp/amf reads %v: %v", size, vals, err)
		}
		if arr, _ := vals[1].(amf.ECMAArray); len(arr) != int(binary.BigEndian.Uint32(body[14:])) {
			t.Fatalf("size %d: %d properties, count %d", size, len(arr), binary.BigEndian.Uint32(body[14:]))
		}
		theirs := goFLVMeta(t, body)
		entries := (len(times) + d.every - 1) / d.every
		if entries < minIndex { // thinned below what ffmpeg takes: no index
			entries = 0
		}
		for _, m := range []map[string]any{ours, theirs} {
			kf, _ := m["keyframes"].(map[string]any)
			if ts, _ := kf["times"].([]any); len(ts) != entries ||
				m["duration"] != 80.0 || m["metadatacreator"] != creator {
				t.Fatalf("size %d: fields %v", size, m)
			}
			if p, ok := m[padKey]; ok && (len(p.(string)) > padString || strings.Trim(p.(string), " ") != "") {
				t.Fatalf("size %d: padding %q", size, p)
			}
		}
		if size >= full+padMin && d.every != 1 || size == full && d.every != 1 {
			t.Fatalf("size %d: index thinned to every %d with room for all of it", size, d.every)
		}
	}
	if fits == 0 || fits > full/2 {
		t.Fatalf("smallest room that fits: %d bytes, the whole body %d", fits, full)
	}
	if _, ok := d.fit(full + 1); !ok || d.every != 2 {
		t.Fatalf("a room 1 byte too large for the whole index: every %d, ok %v", d.every, ok)
	}
}

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
				m := goFLVMeta(t, b[flvHeaderLen+flvTagHeader:readFLVRaw(t, p).Tags[1].Offset-4])
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
	var fields metaFields
	size, _ := m["filesize"].(float64)
	d := metaDoc{f: &fields, final: true, duration: m["duration"].(float64), filesize: int64(size)}
	kf := m["keyframes"].(map[string]any)
	for i, tm := range kf["times"].([]any) {
		d.times = append(d.times, int64(tm.(float64)*1000+0.5))
		d.pos = append(d.pos, int64(kf["filepositions"].([]any)[i].(float64)))
	}
	body := d.encode(nil, 0)
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
	var fields metaFields
	w, err := newFLVWriter(newOSSink(f), flvOptions{limit: defaultBuffer, period: defaultFlush,
		meta: &metaPlan{reserve: reserveFor(&fields, entries), index: newKeyIndex(maxIndex, entries)}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		if err := w.Write(sample{Type: media.TypeVideo, Time: int64(i) * 40, Payload: avcPayload(true, i), Keyframe: true}); err != nil {
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
