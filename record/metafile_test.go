package record

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestMetaFinishedFile: a closed file starts with onMetaData holding
// duration, filesize, codec ids, picture size from the SPS, the AAC
// sample rate and channels, and a keyframe index.
func TestMetaFinishedFile(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	r.feed(stream{dur: 5000, gop: 25, audio: true, headers: true}.frames()...)
	r.close(rtmp.CloseUnpublish)
	m := checkMeta(t, r.paths()[0])
	want := map[string]any{"videocodecid": 7.0, "audiocodecid": 10.0, "width": 640.0, "height": 128.0, // the test SPS's size
		"audiosamplerate": 44100.0, "stereo": true, "framerate": 25.0}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if kf := m["keyframes"].(map[string]any); len(kf["times"].([]any)) != 5 {
		t.Errorf("index %v, want 5 keyframes", kf)
	}
}

// TestMetaPlaceholderWhileRecording: while a file is recorded (and so
// after a crash) it is valid and its first tag is a placeholder
// onMetaData with what was known at open, without duration and filesize.
func TestMetaPlaceholderWhileRecording(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	r.src.setMetadata(amfMeta(t, "width", 320.0, "encoder", "obs", "duration", 0.0, "fps", 30.0))
	r.feed(stream{dur: 3000, gop: 25, audio: true, headers: true}.frames()...)
	f, err := flv.ReadFile(r.h.nodes[0].path)
	if err != nil {
		t.Fatal(err)
	}
	name, m, err := f.Tags[0].Metadata()
	if err != nil || name != "onMetaData" || m["metadatacreator"] != creator {
		t.Fatalf("placeholder %q %v: %v", name, m, err)
	}
	for _, k := range []string{"duration", "filesize", "keyframes"} {
		if _, ok := m[k]; ok {
			t.Errorf("placeholder has %s", k)
		}
	}
	if m["encoder"] != "obs" || m["fps"] != 30.0 || m["width"] != 640.0 { // the SPS wins over the publisher
		t.Errorf("publisher fields missing: %v", m)
	}
	r.close(rtmp.CloseUnpublish)
	if m := checkMeta(t, r.paths()[0]); m["encoder"] != "obs" || m["duration"] == 0.0 {
		t.Errorf("final metadata %v", m)
	}
}

// amfMeta is a publisher's onMetaData body.
func amfMeta(t *testing.T, kv ...any) []byte {
	t.Helper()
	b := []byte{0x02, 0, 10}
	b = append(b, "onMetaData"...)
	b = append(b, 0x03)
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		b = append(b, 0, byte(len(k)))
		b = append(b, k...)
		switch v := kv[i+1].(type) {
		case float64:
			b = append(b, 0)
			bits := math.Float64bits(v)
			for s := 56; s >= 0; s -= 8 {
				b = append(b, byte(bits>>s))
			}
		case string:
			b = append(b, 2, 0, byte(len(v)))
			b = append(b, v...)
		}
	}
	return append(b, 0, 0, 9)
}

// TestMetaSplitAndShutdown: every split piece and the file closed at
// shutdown carry complete metadata.
func TestMetaSplitAndShutdown(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.MaxFrames = 120
	r := newRig(t, rc)
	r.feed(stream{dur: 10000, gop: 25, audio: true, headers: true}.frames()...)
	r.close(rtmp.CloseShutdown)
	evs := r.doneEvents()
	if len(evs) < 3 || evs[len(evs)-1].Reason != ReasonShutdown {
		t.Fatalf("events %+v", evs)
	}
	for _, ev := range evs {
		checkMeta(t, ev.Path)
		if ev.Size != fileSize(t, ev.Path) {
			t.Fatalf("%s: event size %d", ev.Path, ev.Size)
		}
	}
}

// TestMetaIndexThinned: a file with more keyframes than its reserve
// holds keeps every 2nd, 4th, ... keyframe, covering the whole file.
func TestMetaIndexThinned(t *testing.T) {
	p := thinnedFile(t, 100, 10)
	m := checkMeta(t, p)
	if n := len(m["keyframes"].(map[string]any)["times"].([]any)); n >= 100 || n < 5 {
		t.Fatalf("%d entries for 100 keyframes and a reserve sized for 10", n)
	}
}

// TestAppendKeepsIndex: record_append onto our own file, closed cleanly
// or cut by a crash, ends with one index over the old and new parts.
func TestAppendKeepsIndex(t *testing.T) {
	for _, crashed := range []bool{false, true} {
		rc := newRecorder(t, "", all)
		rc.Append = true
		p := filepath.Join(rc.Path, "cam.flv")
		r1 := newRig(t, rc)
		r1.feed(stream{dur: 3000, gop: 25, audio: true, headers: true}.frames()...)
		if crashed {
			old, err := os.ReadFile(p) // the file as a crash would leave it
			if err != nil {
				t.Fatal(err)
			}
			r1.close(rtmp.CloseUnpublish)
			if err := os.WriteFile(p, append(old, 9, 0, 1), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			r1.close(rtmp.CloseUnpublish)
		}
		r2 := newRig(t, rc)
		r2.feed(stream{start: 90000, dur: 2000, gop: 25, audio: true, headers: true}.frames()...)
		r2.close(rtmp.CloseUnpublish)
		if got := r2.paths(); len(got) != 1 || got[0] != p {
			t.Fatalf("crashed %v: second session wrote %v", crashed, got)
		}
		m := checkMeta(t, p)
		if n := len(m["keyframes"].(map[string]any)["times"].([]any)); n != 5 {
			t.Fatalf("crashed %v: %d index entries", crashed, n)
		}
	}
}

// TestAppendTornTail: appending onto a file with a torn tail cuts it
// to its last whole tag first, found through the back-pointer or, when
// that is broken, by walking the tags; a file without our metadata room
// is appended to without metadata, logged once.
func TestAppendTornTail(t *testing.T) {
	ours := recordBytes(t, stream{dur: 2000, gop: 25, audio: true, headers: true}.frames()...)
	foreign := nginxBytes(t, ours)
	tests := []struct {
		name    string
		old     []byte
		keep    int  // bytes of old that must stay
		hasMeta bool // the result starts with our metadata
	}{
		{"torn last tag", ours[:len(ours)-3], -1, true},
		{"bad back pointer", append(bytes.Clone(ours[:len(ours)-4]), 0, 0, 0, 99), -1, true},
		{"garbage after", append(bytes.Clone(ours), 0xde, 0xad, 0xbe, 0xef, 0, 0), len(ours), true},
		{"foreign torn", foreign[:len(foreign)-7], -1, false},
		{"foreign whole", foreign, len(foreign), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newRecorder(t, "", all)
			rc.Append = true
			p := filepath.Join(rc.Path, "cam.flv")
			if err := os.WriteFile(p, tt.old, 0o644); err != nil {
				t.Fatal(err)
			}
			r := newRig(t, rc)
			r.feed(stream{start: 5000, dur: 1000, gop: 25, audio: true, headers: true}.frames()...)
			r.close(rtmp.CloseUnpublish)
			if got := r.paths(); len(got) != 1 || got[0] != p {
				t.Fatalf("wrote %v", got)
			}
			b, _ := os.ReadFile(p)
			skip := int64(flvHeaderLen)
			if tt.hasMeta {
				skip = readFLVRaw(t, p).Tags[1].Offset
			}
			if tt.keep > 0 && !bytes.Equal(b[skip:tt.keep], tt.old[skip:tt.keep]) {
				t.Fatal("old tags changed")
			}
			if tt.hasMeta {
				checkMeta(t, p)
			} else if f := readFLVRaw(t, p); f.Tags[0].Type == flv.TagScript {
				t.Fatal("metadata in a foreign file")
			}
			logs := r.logs.String()
			if tt.keep < 0 && !strings.Contains(logs, "cutting a torn tail") {
				t.Fatalf("cut not logged:\n%s", logs)
			}
			if !tt.hasMeta && strings.Count(logs, "without room for metadata") != 1 {
				t.Fatalf("foreign file not logged once:\n%s", logs)
			}
		})
	}
}

// nginxBytes is ours without the metadata tag: what nginx-rtmp writes.
func nginxBytes(t *testing.T, ours []byte) []byte {
	t.Helper()
	f, err := flv.Decode(ours)
	if err != nil {
		t.Fatal(err)
	}
	skip := f.Tags[1].Offset
	return append(bytes.Clone(ours[:flvHeaderLen]), ours[skip:]...)
}

func readFLVRaw(t *testing.T, p string) *flv.File {
	t.Helper()
	f, err := flv.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestMetaFFmpegPublish: a real ffmpeg publish through the server; our
// metadata has the clip's picture size and ffprobe reads its duration.
func TestMetaFFmpegPublish(t *testing.T) {
	clip := testmedia.Clip(t)
	s := startServer(t, "record all; record_path DIR;")
	if err := testmedia.Publish(t.Context(), t, clip, "rtmp://"+s.addr+"/live/cam", false); err != nil {
		t.Fatal(err)
	}
	ev := s.wait(t, 1)[0]
	m := checkMeta(t, ev.Path)
	if m["width"] != 160.0 || m["height"] != 120.0 || m["audiosamplerate"] != 44100.0 || m["stereo"] != false {
		t.Errorf("metadata %v", m)
	}
	got := testmedia.ProbeDuration(t, ev.Path).Seconds()
	if d := m["duration"].(float64); math.Abs(got-d) > 0.05 {
		t.Fatalf("ffprobe duration %v, metadata %v", got, d)
	}
}

// TestAudioOnlyFFmpegPushHasNoKeyframesObject: ffmpeg pushes an AAC-only
// stream. Its file reserves no index room (the stream shows no video and
// announces none) and ends with no keyframes object, so neither ffprobe
// nor ffmpeg warns "Invalid keyframes object" when opening it, and the
// metadata costs a few hundred bytes, not 74 KB.
func TestAudioOnlyFFmpegPushHasNoKeyframesObject(t *testing.T) {
	clip := testmedia.ClipVariant(t, testmedia.AudioOnly)
	s := startServer(t, "record all; record_path DIR;")
	if err := testmedia.Publish(t.Context(), t, clip, "rtmp://"+s.addr+"/live/cam", false); err != nil {
		t.Fatal(err)
	}
	ev := s.wait(t, 1)[0]
	m := checkMeta(t, ev.Path)
	if _, ok := m["keyframes"]; ok {
		t.Fatalf("audio-only file has a keyframes object: %v", m["keyframes"])
	}
	if w := testmedia.OpenWarnings(t, ev.Path); strings.Contains(w, "keyframes") {
		t.Fatalf("ffmpeg warns about the keyframes object:\n%s", w)
	}
	f := readFLVRaw(t, ev.Path)
	media := int64(0)
	for _, tg := range f.Tags[1:] {
		media += flvTagHeader + int64(len(tg.Data)) + 4
	}
	overhead := fileSize(t, ev.Path) - media
	t.Logf("audio-only file: %d bytes, %d of them header and metadata", fileSize(t, ev.Path), overhead)
	if overhead > 2<<10 {
		t.Fatalf("%d bytes of header and metadata in an audio-only file", overhead)
	}
}
