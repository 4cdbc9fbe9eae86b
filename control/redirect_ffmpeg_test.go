package control

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/record"
)

// TestFFmpegRedirect redirects ffmpeg mid-publish: ffmpeg takes
// NetStream.Unpublish.Success and Publish.Start in its stride and
// finishes its clip, and the media is split between two files that
// ffprobe and our strict reader accept.
func TestFFmpegRedirect(t *testing.T) {
	clip := testmedia.Clip(t)
	r := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	published := make(chan error, 1)
	go func() { published <- testmedia.Publish(ctx, t, clip, "rtmp://"+r.rtmp+"/live/ff", true) }()
	first, second := filepath.Join(r.dir, "ff.flv"), filepath.Join(r.dir, "ff2.flv")
	eventually(t, "a second of recorded media", func() bool {
		recs := r.rec.Recordings()
		return len(recs) == 1 && recs[0].Path == first && recs[0].Duration >= time.Second
	})
	if got := r.want("POST", "/control/redirect/publisher?app=live&name=ff&newname=ff2", 200, ""); got != "1" {
		t.Fatalf("redirect = %q, want 1", got)
	}
	if err := <-published; err != nil {
		t.Fatalf("ffmpeg did not finish its publish after the redirect: %v", err)
	}
	eventually(t, "both files closed", func() bool { return len(r.closed()) == 2 })
	evs := r.closed()
	if evs[0].Path != first || evs[0].Reason != record.Reason("redirect") || evs[1].Path != second {
		t.Fatalf("record events %+v", evs)
	}
	var video int
	for _, path := range []string{first, second} {
		if _, err := flv.ReadFile(path); err != nil {
			t.Error(err)
		}
		v, a := testmedia.ProbePackets(t, path)
		if v < 10 || a < 10 {
			t.Errorf("%s: %d video and %d audio packets", path, v, a)
		}
		video += v
	}
	// 4 s at 25 fps; each new file admits video from the next key frame
	// on (1 s GOP), as nginx-rtmp's recorder, so up to a second is missing
	// after the redirect.
	if video < 70 || video > 105 {
		t.Errorf("%d video packets in both files, want 70 to 105", video)
	}
}
