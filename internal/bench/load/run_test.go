package load

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// TestRunFastLoops publishes 3 streams × 2 passes of the test clip as fast
// as possible to our server and checks that every recording holds exactly
// the frames sent, with timestamps that run on across the loop.
func TestRunFastLoops(t *testing.T) {
	clip, err := ReadClip(testmedia.Clip(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addr, stop := startServer(t, dir)
	const streams, loops = 3, 2
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{URL: "rtmp://" + addr + "/live/bench", Streams: streams, Clip: clip, Loops: loops})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if errs := rep.Errors(); len(errs) > 0 {
		t.Fatalf("stream errors: %v", errs)
	}
	if want := int64(streams * loops * (clip.Video + clip.Audio)); rep.Frames() != want {
		t.Errorf("report: %d frames sent, want %d", rep.Frames(), want)
	}
	for _, s := range rep.Streams {
		if s.Video != loops*clip.Video || s.Audio != loops*clip.Audio || s.Headers != len(clip.Headers) {
			t.Errorf("%s: sent %d video %d audio %d headers, want %d, %d, %d",
				s.Name, s.Video, s.Audio, s.Headers, loops*clip.Video, loops*clip.Audio, len(clip.Headers))
		}
		checkRecording(t, filepath.Join(dir, s.Name+".flv"), s, clip, loops)
	}
}

// checkRecording compares a recorded file with what its stream sent.
func checkRecording(t *testing.T, path string, s StreamReport, clip *Clip, loops int) {
	t.Helper()
	f, err := flv.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	var video, audio, headers int
	var last [2]int64
	last[0], last[1] = -1, -1
	var maxGap uint32
	for _, tag := range f.Tags {
		if tag.Type == flv.TagScript {
			continue
		}
		if tag.IsSeqHeader() {
			headers++
			continue
		}
		k := trackIndex(tag.Type)
		if last[k] >= 0 {
			if int64(tag.Timestamp) <= last[k] {
				t.Fatalf("%s: type %d timestamp %d after %d", s.Name, tag.Type, tag.Timestamp, last[k])
			}
			maxGap = max(maxGap, tag.Timestamp-uint32(last[k]))
		}
		last[k] = int64(tag.Timestamp)
		if tag.Type == flv.TagVideo {
			video++
		} else {
			audio++
		}
	}
	if video != s.Video || audio != s.Audio || headers < len(clip.Headers) {
		t.Errorf("%s: recorded %d video %d audio %d headers, sent %d, %d, %d", s.Name, video, audio, headers, s.Video, s.Audio, s.Headers)
	}
	// The clip's frames are at most 40 ms apart (25 fps, AAC at 44.1 kHz);
	// a loop that restarted at 0 or skipped ahead would show here.
	if maxGap > 80 {
		t.Errorf("%s: largest gap between frames of a track is %d ms, want continuous timestamps", s.Name, maxGap)
	}
	if span := last[1] - int64(f.Tags[0].Timestamp); span < int64(loops-1)*int64(clip.Period) {
		t.Errorf("%s: video spans %d ms, want over %d loops of %d ms", s.Name, span, loops, clip.Period)
	}
}
