package control

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

func TestMain(m *testing.M) { testmedia.Main(m) }

// TestFFmpegControl drives the API against a real encoder: stat shows its
// codecs, a manual recording is started and stopped (ffprobe reads the
// file), and drop ends the publish.
func TestFFmpegControl(t *testing.T) {
	clip := testmedia.Clip(t)
	r := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	published := make(chan error, 1)
	go func() { published <- testmedia.Publish(ctx, t, clip, "rtmp://"+r.rtmp+"/live/ff", true) }()
	eventually(t, "ffmpeg's publish", func() bool {
		return len(r.api.allPublishers()) == 1 && r.api.allPublishers()[0].s.Codec().HasVideo()
	})
	path := r.want("GET", "/control/record/start?app=live&name=ff&rec=man", 200, "ff-man.flv")
	r.want("GET", "/control/record/start?app=live&name=ff&rec=man", 204, "")
	eventually(t, "half a second of recorded media", func() bool {
		for _, rec := range r.rec.Recordings() {
			if rec.Path == path && rec.Duration >= 500*time.Millisecond {
				return true
			}
		}
		return false
	})

	var st Stat
	if err := xml.Unmarshal([]byte(r.want("GET", "/stat", 200, "")), &st); err != nil {
		t.Fatal(err)
	}
	s := st.Servers[0].Applications[0].Live.Streams[0]
	if s.Name != "ff" || len(s.Recordings) != 2 || s.BytesIn == 0 || !strings.Contains(s.Clients[0].FlashVer, "FMLE") {
		t.Errorf("stream: %+v", s)
	}
	if v, a := s.Meta.Video, s.Meta.Audio; v == nil || a == nil ||
		v.Codec != "H264" || v.Profile != "Baseline" || v.Width != 160 || v.Height != 120 || v.FrameRate != 25 ||
		a.Codec != "AAC" || a.Profile != "LC" || a.SampleRate != 44100 || a.Channels != 1 {
		t.Errorf("meta: %+v %+v", s.Meta.Video, s.Meta.Audio)
	}

	if got := r.want("POST", "/control/record/stop?app=live&name=ff&rec=man", 200, ""); got != path {
		t.Fatalf("stop = %q, want %q", got, path)
	}
	if video, audio := testmedia.ProbePackets(t, path); video < 10 || audio == 0 {
		t.Errorf("%s: %d video and %d audio packets", path, video, audio)
	}
	if got := r.want("POST", "/control/drop/publisher?app=live&name=ff", 200, ""); got != "1" {
		t.Fatalf("drop = %q", got)
	}
	if err := <-published; err == nil {
		t.Error("ffmpeg finished its publish although it was dropped")
	}
}
