package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/nginxrtmp"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// wireFrame is one audio or video message as a publisher sends it.
type wireFrame struct {
	typ     uint8
	ts      uint64
	payload []byte
}

// audioLead is how much earlier than in the clip the publisher stamps its
// audio (an encoder compensating its audio capture latency): an audio
// frame sent right after a video frame is then often older than it.
const audioLead = 20

// librtmpFrames reads the clip's audio and video tags in file order and
// stamps the audio audioLead ms earlier. back counts the frames older than
// the frame sent before them: the step backs librtmp sends as 32-bit deltas
// such as 0xFFFFFFF6.
func librtmpFrames(t *testing.T, clip string) (frames []wireFrame, back int) {
	t.Helper()
	f, err := flv.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	var prev uint64
	for _, tag := range f.Tags {
		if tag.Type == flv.TagScript {
			continue
		}
		ts := uint64(tag.Timestamp)
		if tag.Type == flv.TagAudio {
			ts = uint64(max(int64(ts)-audioLead, 0))
		}
		if len(frames) > 0 && ts < prev {
			back++
		}
		frames = append(frames, wireFrame{typ: tag.Type, ts: ts, payload: tag.Data})
		prev = ts
	}
	return frames, back
}

// pushLibRTMP publishes frames to rtmpURL (rtmp://host:port/app/name) as a
// librtmp-based publisher does: one chunk stream for all media, 32-bit
// deltas.
func pushLibRTMP(t *testing.T, rtmpURL string, frames []wireFrame) {
	t.Helper()
	u, err := url.Parse(rtmpURL)
	if err != nil {
		t.Fatal(err)
	}
	app, name, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, u.Host, client.Options{LibRTMP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Connect(ctx, app, fmt.Sprintf("rtmp://%s/%s", u.Host, app), nil); err != nil {
		t.Fatal(err)
	}
	sid, _, err := c.StartPublish(ctx, name, "live")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := c.WriteMedia(f.typ, sid, f.ts, f.payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.StopPublish(sid, name); err != nil {
		t.Fatal(err)
	}
}

// TestLibRTMPStepBackRecordsOneFile: a librtmp-style publisher sends all
// media on one chunk stream with fmt 1/2 deltas, and its audio is a few ms
// older than the video frame before it, so those deltas are 0xFFFFFFxx.
// Read modulo 2^32 they are small steps back: all 500 video frames and
// every audio frame land in one file, as nginx-rtmp records them, instead
// of a 49.7-day jump forcing a split that lost the frames up to the next
// key frame.
func TestLibRTMPStepBackRecordsOneFile(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 20)
	frames, back := librtmpFrames(t, clip)
	if back < 100 {
		t.Fatalf("only %d step backs in the pushed stream; the test needs many", back)
	}
	t.Logf("%d of %d frames are older than the frame sent before them", back, len(frames))
	video, audio := testmedia.ProbePackets(t, clip)
	if video != 500 {
		t.Fatalf("clip has %d video packets, want 500", video)
	}
	ourDir := t.TempDir()
	addr, stop := startRTMPRecd(t, fmt.Sprintf(`rtmp {
    server {
        listen 127.0.0.1:0;
        application live {
            record all;
            record_path %s;
        }
    }
}
`, ourDir))
	pushLibRTMP(t, "rtmp://"+addr+"/live/cam1", frames)
	stop()

	ours := readSideRecording(t, "rtmprecd", ourDir) // fails unless cam1.flv is the only file
	ours.checkComplete(t, video, audio)
	if v, a := testmedia.ProbePackets(t, ours.path); v != video || a != audio {
		t.Errorf("ffprobe reads %d video and %d audio packets from the recording, want %d and %d", v, a, video, audio)
	}
	if got := stepBacks(ours.media); got == 0 {
		t.Errorf("the recording has no step back: the audio lead of %d ms was lost", audioLead)
	}

	t.Run("nginx-rtmp agrees", func(t *testing.T) {
		nginxrtmp.Require(t)
		ng := nginxrtmp.StartTest(t, nginxrtmp.Options{AppConfig: "record all;"})
		pushLibRTMP(t, ng.URL("cam1"), frames)
		if err := ng.Stop(); err != nil {
			t.Fatal(err)
		}
		theirs := readSideRecording(t, "nginx-rtmp", ng.RecordDir())
		theirs.checkComplete(t, video, audio)
		compareSideMedia(t, theirs, ours)
	})
}

// stepBacks counts the tags older than the tag before them.
func stepBacks(tags []flv.Tag) int {
	n := 0
	for i := 1; i < len(tags); i++ {
		if tags[i].Timestamp < tags[i-1].Timestamp {
			n++
		}
	}
	return n
}
