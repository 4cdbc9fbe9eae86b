package record

import (
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/media"
)

// recordFormats are the formats the behaviour tests run over: what works
// for FLV works for mp4 and fmp4.
var recordFormats = []string{"flv", "mp4", "fmp4"}

// formatRecorder is newRecorder writing format, with its default suffix.
func formatRecorder(t testing.TB, format string, flags conf.RecordFlags) *conf.Recorder {
	t.Helper()
	rc := newRecorder(t, "", flags)
	rc.Format, rc.Suffix = format, suffixOf(format)
	return rc
}

// suffixOf is a format's default record_suffix.
func suffixOf(format string) string {
	if format == "flv" || format == "" {
		return ".flv"
	}
	return ".mp4"
}

func isISO(path string) bool { return strings.HasSuffix(path, ".mp4") }

// isoSample is one sample of an mp4/fmp4 recording, time in ms on the
// file's timeline.
type isoSample struct {
	ms  int64
	key bool
}

// isoSamples checks the file with mp4check and returns its video and
// audio samples in decode order; a time that is not a whole millisecond
// fails the test (the recorder's timescales keep them exact).
func isoSamples(t *testing.T, path string) (video, audio []isoSample) {
	t.Helper()
	rep, err := mp4check.File(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range rep.Tracks {
		var out []isoSample
		for _, s := range tr.List {
			if s.DTS*1000%int64(tr.Timescale) != 0 {
				t.Fatalf("%s: track %d sample at %d/%d s, not a whole ms", path, tr.ID, s.DTS, tr.Timescale)
			}
			out = append(out, isoSample{ms: s.DTS * 1000 / int64(tr.Timescale), key: s.Sync})
		}
		switch tr.Handler {
		case "vide":
			video = out
		case "soun":
			audio = out
		}
	}
	return video, audio
}

// checkISOPiece checks that an mp4/fmp4 file holds, for each kind, the
// next frames of wantV and wantA (from indexes kv and ka) with their
// times (relative to the file's first frame, ev.FirstTime) and key flags;
// that it starts with a key frame; that the event's counts and duration
// are the file's. It returns how many frames of each kind the file held.
func checkISOPiece(t *testing.T, ev Event, wantV, wantA []media.Frame, kv, ka int) (nv, na int) {
	t.Helper()
	v, a := isoSamples(t, ev.Path)
	if len(v)+len(a) == 0 {
		t.Fatalf("%s has no media", ev.Path)
	}
	if len(v) > 0 && !v[0].key {
		t.Errorf("%s starts with a video inter frame", ev.Path)
	}
	for _, k := range []struct {
		got  []isoSample
		want []media.Frame
		at   int
		kind string
	}{{v, wantV, kv, "video"}, {a, wantA, ka, "audio"}} {
		if k.at+len(k.got) > len(k.want) {
			t.Fatalf("%s: %d %s samples, only %d frames left", ev.Path, len(k.got), k.kind, len(k.want)-k.at)
		}
		for i, s := range k.got {
			w := k.want[k.at+i]
			if s.ms+ev.FirstTime != w.Time || k.kind == "video" && s.key != w.Keyframe {
				t.Fatalf("%s: %s sample %d at %d key %v, sent at %d key %v", ev.Path, k.kind, i,
					s.ms+ev.FirstTime, s.key, w.Time, w.Keyframe)
			}
		}
	}
	if ev.VideoFrames != int64(len(v)) || ev.AudioFrames != int64(len(a)) {
		t.Errorf("%s: event counts %d+%d, file has %d+%d", ev.Path, ev.VideoFrames, ev.AudioFrames, len(v), len(a))
	}
	var last int64 // the file's last decode time, ms from its first frame
	for _, k := range [][]isoSample{v, a} {
		if len(k) > 0 {
			last = max(last, k[len(k)-1].ms)
		}
	}
	if ev.LastTime-ev.FirstTime != last || ev.Duration != time.Duration(last)*time.Millisecond {
		t.Errorf("%s: event spans %d..%d (%v), the file's samples span 0..%d ms", ev.Path, ev.FirstTime, ev.LastTime, ev.Duration, last)
	}
	checkISOFile(t, ev)
	return len(v), len(a)
}

// splitKinds returns the media frames of in by kind, without sequence
// headers.
func splitKinds(in []media.Frame) (video, audio []media.Frame) {
	for _, f := range in {
		switch {
		case f.SeqHeader:
		case f.Type == media.TypeVideo:
			video = append(video, f)
		default:
			audio = append(audio, f)
		}
	}
	return video, audio
}
