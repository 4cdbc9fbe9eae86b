package record

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

func TestMain(m *testing.M) { testmedia.Main(m) }

// clipFrames turns ffmpeg's real H.264+AAC clip into the frames a session
// would hand to the hooks.
func clipFrames(t *testing.T, kind string) []media.Frame {
	t.Helper()
	f := readFLV(t, testmedia.ClipVariant(t, kind))
	var out []media.Frame
	for _, tg := range f.Tags {
		if tg.Type == flv.TagScript {
			continue
		}
		out = append(out, media.Frame{Type: tg.Type, Time: int64(tg.Timestamp), Payload: tg.Data,
			Keyframe: tg.IsKeyframe(), SeqHeader: tg.IsSeqHeader()})
	}
	return out
}

// TestRecordFFprobePackets: a real ffmpeg stream recorded whole and split
// by record_max_frames: ffprobe reads every packet of the source across
// the pieces, and each piece on its own.
func TestRecordFFprobePackets(t *testing.T) {
	for _, kind := range []string{testmedia.AV, testmedia.AudioOnly, testmedia.VideoOnly} {
		t.Run(kind, func(t *testing.T) {
			in := clipFrames(t, kind)
			wantV, wantA := testmedia.ProbePackets(t, testmedia.ClipVariant(t, kind))
			for _, maxFrames := range []int64{0, 60} {
				rc := newRecorder(t, "", all)
				rc.MaxFrames = maxFrames
				r := newRig(t, rc)
				r.feed(in...)
				r.close(rtmp.CloseUnpublish)
				var v, a int
				for _, p := range r.paths() {
					pv, pa := testmedia.ProbePackets(t, p)
					v, a = v+pv, a+pa
				}
				if v != wantV || a != wantA {
					t.Fatalf("max_frames %d: %d files with %d video %d audio packets, source has %d %d",
						maxFrames, len(r.paths()), v, a, wantV, wantA)
				}
				if maxFrames > 0 && len(r.paths()) < 2 {
					t.Fatalf("no split with max_frames %d", maxFrames)
				}
			}
		})
	}
}
