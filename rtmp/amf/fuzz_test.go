package amf

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzDecode seeds")

// FuzzDecode checks that Decode never panics, fails only with the package
// errors, and that whatever it accepts re-encodes to a stable form.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		vals, err := Decode(b, DefaultLimits)
		if err != nil {
			if !errors.Is(err, ErrLimit) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMarker) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		enc, err := Append(nil, vals...)
		if err != nil {
			t.Fatalf("re-encode of decoded values: %v", err)
		}
		if len(enc) > len(b) {
			t.Fatalf("re-encoding grew from %d to %d bytes", len(b), len(enc))
		}
		vals2, err := Decode(enc, DefaultLimits)
		if err != nil {
			t.Fatalf("decode of re-encoded values: %v", err)
		}
		enc2, err := Append(nil, vals2...)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("unstable round trip (%v):\n% x\n% x", err, enc, enc2)
		}
	})
}

// seeds returns the committed corpus: real captures, OBS-like messages
// and, in small form, the hostile inputs that kill AMF0 decoders which
// trust the peer: a strict array claiming 2^31 elements, deep nesting,
// a string longer than the message.
func seeds(t *testing.T) map[string][]byte {
	t.Helper()
	s := map[string][]byte{}
	for _, name := range []string{"connect", "releasestream", "fcpublish", "createstream", "publish", "setdataframe"} {
		b, err := os.ReadFile(filepath.Join("testdata", "ffmpeg_"+name+".bin"))
		if err != nil {
			t.Fatal(err)
		}
		s["ffmpeg_"+name] = b
	}
	must := func(vals ...any) []byte {
		b, err := Append(nil, vals...)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	s["obs_connect"] = must("connect", 1.0, Object{{"app", "live"}, {"type", "nonprivate"},
		{"flashVer", "FMLE/3.0 (compatible; FMSc/1.0)"}, {"swfUrl", "rtmp://127.0.0.1/live"}, {"tcUrl", "rtmp://127.0.0.1/live"}})
	s["obs_setdataframe"] = must("@setDataFrame", "onMetaData", ECMAArray{
		{"duration", 0.0}, {"fileSize", 0.0}, {"width", 1920.0}, {"height", 1080.0},
		{"videocodecid", 7.0}, {"videodatarate", 2500.0}, {"framerate", 30.0},
		{"audiocodecid", 10.0}, {"audiodatarate", 160.0}, {"audiosamplerate", 48000.0},
		{"audiosamplesize", 16.0}, {"audiochannels", 2.0}, {"stereo", true},
		{"2.1", false}, {"3.1", false}, {"4.0", false}, {"4.1", false}, {"5.1", false}, {"7.1", false},
		{"encoder", "obs-output module (libobs version 30.0.2)"}})
	s["connect_result"] = must("_result", 1.0, Object{{"fmsVer", "FMS/3,0,1,123"}, {"capabilities", 31.0}},
		Object{{"level", "status"}, {"code", "NetConnection.Connect.Success"}, {"description", "Connection succeeded."},
			{"objectEncoding", 0.0}, {"data", ECMAArray{{"version", "3,5,7,7009"}}}})
	s["misc_values"] = must(nil, Undefined{}, Date{Ms: 1.6e12, TZ: 0}, []any{1.0, "two", []any{}}, false)
	s["hostile_strict_array_2p31"] = cat(connectPrefix(), 0x0a, 0x7f, 0xff, 0xff, 0xff, 0x05)
	s["hostile_nested_40"] = nested(40) // small: the fuzzer minimises large inputs slowly
	s["hostile_long_string_claim"] = cat(connectPrefix(), 0x0c, 0xff, 0xff, 0xff, 0xff, "abc")
	s["ecma_count_lies"] = cat(0x08, 0, 0, 0, 0, key("a"), 0x05, key("b"), 0x08, 0xff, 0, 0, 0, end, end)
	s["typed_object"] = cat(0x10, key("flash.Obj"), key("k"), 0x00, f64(2), end)
	s["reference"] = cat(0x03, key("a"), 0x07, 0, 0, end)
	s["avmplus"] = cat(0x02, key("connect"), 0x11, 0x0a, 0x0b, 0x01)
	return s
}

// TestUpdateSeeds rewrites the committed corpus with -update-seeds, and
// otherwise checks the corpus holds every seed.
func TestUpdateSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	for name, b := range seeds(t) {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
		path := filepath.Join(dir, name)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Errorf("seed %s missing or stale (run go test -run TestUpdateSeeds -update-seeds): %v", name, err)
		}
	}
}
