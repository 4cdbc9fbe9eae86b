package record

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.flv from the current output")

// TestGoldenFLV records small synthetic tag sequences and compares the
// files byte for byte with testdata/golden (regenerate with -update).
func TestGoldenFLV(t *testing.T) {
	hevc := func(key bool, i int, ts int64) media.Frame {
		return media.Frame{Type: media.TypeVideo, Time: ts, Payload: hevcExPayload(key, i), Keyframe: key}
	}
	tests := []struct {
		name   string
		flags  conf.RecordFlags
		frames []media.Frame
	}{
		{"avc_aac", all, []media.Frame{vSeq(100), aSeq(100), vKey(100, 0), aRaw(110, 0), aRaw(133, 1), vInter(140, 1), aRaw(156, 2), vInter(180, 2)}},
		{"audio_only", all, []media.Frame{aSeq(0), aRaw(0, 0), aRaw(23, 1), aRaw(46, 2)}},
		{"keyframes", conf.RecordKeyframes, []media.Frame{vSeq(0), aSeq(0), vKey(0, 0), aRaw(5, 0), vInter(40, 1), vKey(80, 2)}},
		{"hevc_ertmp", all, []media.Frame{
			{Type: media.TypeVideo, Payload: hevcExSeqPayload(), Keyframe: true, SeqHeader: true},
			aSeq(0), hevc(true, 0, 0), aRaw(10, 0), hevc(false, 1, 40), hevc(false, 2, 80)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, newRecorder(t, "", tt.flags))
			r.feed(tt.frames...)
			r.close(rtmp.CloseUnpublish)
			got, err := os.ReadFile(filepath.Join(r.dir, "cam.flv"))
			if err != nil {
				t.Fatal(err)
			}
			readFLV(t, filepath.Join(r.dir, "cam.flv"))
			golden := filepath.Join("testdata", "golden", tt.name+".flv")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				i := 0
				for i < min(len(got), len(want)) && got[i] == want[i] {
					i++
				}
				t.Fatalf("%s differs from %s at byte %d (%d and %d bytes):\n got %x\nwant %x", tt.name, golden, i,
					len(got), len(want), got[i:min(len(got), i+64)], want[i:min(len(want), i+64)])
			}
			checkMeta(t, filepath.Join(r.dir, "cam.flv"))
		})
	}
}
