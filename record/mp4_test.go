package record

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	gomp4 "github.com/abema/go-mp4"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// walkBoxes checks an MP4 or fMP4 file with two readers independent of
// our muxers, our strict checker (internal/mp4check: nesting, tables,
// offsets, fragments, mfra) and go-mp4, and returns the top-level box
// types in order. Any failure fails the test.
func walkBoxes(t *testing.T, path string) []string {
	t.Helper()
	if _, err := mp4check.File(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var top []string
	_, err = gomp4.ReadBoxStructure(f, func(h *gomp4.ReadHandle) (any, error) {
		if len(h.Path) == 1 {
			top = append(top, h.BoxInfo.Type.String())
		}
		if h.BoxInfo.IsSupportedType() && h.BoxInfo.Type != gomp4.BoxTypeMdat() {
			if _, _, err := h.ReadPayload(); err != nil {
				return nil, fmt.Errorf("%s: %w", h.Path, err)
			}
			return h.Expand()
		}
		return nil, nil
	})
	if err != nil {
		t.Fatalf("%s: go-mp4: %v", path, err)
	}
	return top
}

// sortedPackets orders packets by kind and decode time, as they compare
// between containers that interleave differently.
func sortedPackets(ps []testmedia.Packet) []testmedia.Packet {
	out := append([]testmedia.Packet(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Video != out[j].Video {
			return out[i].Video
		}
		return out[i].DTS < out[j].DTS
	})
	return out
}

func isoRecorder(t *testing.T, format string) *conf.Recorder {
	rc := newRecorder(t, "", all)
	rc.Format, rc.Suffix, rc.MoovRoom = format, ".mp4", 3600e9
	return rc
}

// TestRecordMP4EveryFrameExactTimes: ffmpeg's H.264+AAC clip recorded as
// mp4 and as fmp4: ffprobe reads every source packet with the same pts,
// dts and key flag; go-mp4 walks every box; the mp4 has its moov before
// the mdat and the fmp4 ends with an mfra.
func TestRecordMP4EveryFrameExactTimes(t *testing.T) {
	src := testmedia.ClipVariant(t, testmedia.AV)
	want := sortedPackets(testmedia.Packets(t, src))
	for _, format := range []string{"mp4", "fmp4"} {
		t.Run(string(format), func(t *testing.T) {
			r := newRig(t, isoRecorder(t, format))
			r.feed(clipFrames(t, testmedia.AV)...)
			r.close(rtmp.CloseUnpublish)
			paths := r.paths()
			if len(paths) != 1 {
				t.Fatalf("files %v", paths)
			}
			got := sortedPackets(testmedia.Packets(t, paths[0]))
			if len(got) != len(want) {
				t.Fatalf("%d packets, source has %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("packet %d: %+v, source %+v", i, got[i], want[i])
				}
			}
			top := strings.Join(walkBoxes(t, paths[0]), " ")
			wantTop := map[string]string{"mp4": "ftyp moov free mdat"}[format]
			if format == "fmp4" {
				if !strings.HasPrefix(top, "ftyp moov moof mdat") || !strings.HasSuffix(top, "mfra") {
					t.Fatalf("boxes %s", top)
				}
			} else if top != wantTop {
				t.Fatalf("boxes %s, want %s", top, wantTop)
			}
			ev := r.doneEvents()[0]
			if st, _ := os.Stat(paths[0]); ev.Size != st.Size() {
				t.Fatalf("event size %d, file %d", ev.Size, st.Size())
			}
			if w := testmedia.OpenWarnings(t, paths[0]); w != "" {
				t.Fatalf("ffmpeg warns: %s", w)
			}
			if j, _ := filepath.Glob(filepath.Join(filepath.Dir(paths[0]), ".*")); len(j) != 0 {
				t.Fatalf("journal left behind: %v", j)
			}
		})
	}
}

// TestRecordMP4OutgrownRoomPutsMoovLast: a room too small for the moov
// leaves it after the mdat: the file still plays whole.
func TestRecordMP4OutgrownRoomPutsMoovLast(t *testing.T) {
	src := testmedia.ClipLength(t, testmedia.AV, 12)
	want := testmedia.Packets(t, src)
	rc := isoRecorder(t, "mp4")
	rc.MoovRoom = 1 // room for one second: 12 s of tables do not fit
	r := newRig(t, rc)
	r.feed(framesOf(t, src)...)
	r.close(rtmp.CloseUnpublish)
	p := r.paths()[0]
	top := strings.Join(walkBoxes(t, p), " ")
	if top != "ftyp free mdat moov" {
		t.Fatalf("boxes %s", top)
	}
	if got := testmedia.Packets(t, p); len(got) != len(want) {
		t.Fatalf("%d packets, source %d", len(got), len(want))
	}
}

// TestRecordFMP4MfraPointsAtKeyframes: every mfra entry's moof holds a
// key frame as its video traf's first sample (ffmpeg -ss seeks there).
func TestRecordFMP4MfraPointsAtKeyframes(t *testing.T) {
	r := newRig(t, isoRecorder(t, "fmp4"))
	r.feed(clipFrames(t, testmedia.AV)...)
	r.close(rtmp.CloseUnpublish)
	p := r.paths()[0]
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	boxes, err := gomp4.ExtractBoxWithPayload(bytes.NewReader(b), nil, gomp4.BoxPath{gomp4.BoxTypeMfra(), gomp4.BoxTypeTfra()})
	if err != nil || len(boxes) != 1 {
		t.Fatalf("tfra: %v, %d boxes", err, len(boxes))
	}
	tfra := boxes[0].Payload.(*gomp4.Tfra)
	if tfra.NumberOfEntry != 4 {
		t.Fatalf("%d random access entries, the clip has 4 key frames", tfra.NumberOfEntry)
	}
	for _, e := range tfra.Entries {
		r := bytes.NewReader(b[e.MoofOffsetV1:])
		trun, err := gomp4.ExtractBoxWithPayload(r, nil, gomp4.BoxPath{gomp4.BoxTypeMoof(), gomp4.BoxTypeTraf(), gomp4.BoxTypeTrun()})
		if err != nil || len(trun) == 0 {
			t.Fatalf("entry %+v: no moof there: %v", e, err)
		}
		first := trun[e.TrafNumber-1].Payload.(*gomp4.Trun).Entries[0]
		if first.SampleFlags&0x00010000 != 0 {
			t.Fatalf("entry %+v points at a non-sync sample (flags %#x)", e, first.SampleFlags)
		}
	}
}

// framesOf turns an FLV file into the frames a session hands the hooks.
func framesOf(t *testing.T, path string) []media.Frame {
	t.Helper()
	f := readFLV(t, path)
	var out []media.Frame
	for _, tg := range f.Tags {
		if tg.Type != flv.TagScript {
			out = append(out, media.Frame{Type: tg.Type, Time: int64(tg.Timestamp), Payload: tg.Data,
				Keyframe: tg.IsKeyframe(), SeqHeader: tg.IsSeqHeader()})
		}
	}
	return out
}
