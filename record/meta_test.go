package record

import (
	"math"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
)

// frameMs is the longest frame duration in the tests' streams.
const frameMs = 40

// checkMeta verifies a finished file's onMetaData with the strict reader:
// it is the first tag; duration is within one frame of the last
// timestamp; filesize is the file's size; the keyframes index has one
// entry per keyframe, or every s-th keyframe (s a power of two, the
// documented thinning), and every filepositions entry is the start of a
// video keyframe tag with that timestamp. It returns the fields.
func checkMeta(t *testing.T, path string) map[string]any {
	t.Helper()
	f, err := flv.ReadFile(path)
	if err != nil {
		t.Fatalf("strict flv read: %v", err)
	}
	if len(f.Tags) == 0 || f.Tags[0].Type != flv.TagScript {
		t.Fatalf("%s: first tag is not a script tag", path)
	}
	name, m, err := f.Tags[0].Metadata()
	if err != nil || name != "onMetaData" {
		t.Fatalf("%s: first tag %q: %v", path, name, err)
	}
	if m["metadatacreator"] != creator {
		t.Fatalf("%s: metadatacreator %v", path, m["metadatacreator"])
	}
	var last float64
	var keys []flv.Tag
	for _, tg := range f.Tags[1:] {
		last = max(last, float64(tg.Timestamp))
		if tg.IsKeyframe() && !tg.IsSeqHeader() && !tg.IsEndOfSeq() {
			keys = append(keys, tg)
		}
	}
	dur, ok := m["duration"].(float64)
	if !ok || math.Abs(dur*1000-last) > frameMs {
		t.Fatalf("%s: duration %v, last timestamp %v ms", path, m["duration"], last)
	}
	if size, _ := m["filesize"].(float64); int64(size) != fileSize(t, path) {
		t.Fatalf("%s: filesize %v, file has %d bytes", path, m["filesize"], fileSize(t, path))
	}
	checkIndex(t, path, m, keys)
	return m
}

func checkIndex(t *testing.T, path string, m map[string]any, keys []flv.Tag) {
	t.Helper()
	kf, has := m["keyframes"].(map[string]any)
	if has != (len(keys) >= minIndex) {
		t.Fatalf("%s: keyframes object %v for %d keyframes (written from %d on)", path, kf, len(keys), minIndex)
	}
	if !has {
		return
	}
	times, _ := kf["times"].([]any)
	pos, _ := kf["filepositions"].([]any)
	if len(times) != len(pos) {
		t.Fatalf("%s: %d times, %d filepositions", path, len(times), len(pos))
	}
	stride := 1
	for (len(keys)+stride-1)/stride > len(times) {
		stride *= 2
	}
	if want := (len(keys) + stride - 1) / stride; len(times) != want {
		t.Fatalf("%s: %d index entries for %d keyframes", path, len(times), len(keys))
	}
	for i := range times {
		k := keys[i*stride]
		tm, _ := times[i].(float64)
		p, _ := pos[i].(float64)
		if int64(p) != k.Offset || math.Round(tm*1000) != float64(k.Timestamp) {
			t.Fatalf("%s: index entry %d (%v s at %v), keyframe %d is at %d, %d ms",
				path, i, tm, p, i*stride, k.Offset, k.Timestamp)
		}
	}
}
