package flv

import (
	"cmp"
	"encoding/binary"
	"strings"
	"testing"

	flvfile "github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

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
		st := flvfile.Tag{Type: flvfile.TagScript, Data: body}
		name, ours, err := st.Metadata()
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
		theirs := testmedia.GoFLVMeta(t, body)
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
