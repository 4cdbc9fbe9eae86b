package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// TestKill9HLSRepair: SIGKILL of the built binary during a real-time
// ffmpeg publish to an HLS recorder (4 s segments, killed 3.5 s into the
// second) leaves a playlist without ENDLIST whose listed segments all
// play; the restarted daemon's start-up repair (hls.RepairDir: the lock
// is free, its holder is dead) finishes the segment being written (cut
// after its last whole fragment) and lists it, ends the playlist,
// `rtmprecd repair DIR` then finds it finished, and the result validates
// and holds all of what was sent before the kill but what the recorder
// had not yet flushed (its 1 s flush period) and ffmpeg's pacing lag:
// less than the segment that repair used to remove. Both segment types.
func TestKill9HLSRepair(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	clip := longClip(t, 10)
	for _, segType := range []string{"fmp4", "mpegts"} {
		t.Run(segType, func(t *testing.T) { kill9HLSRepair(t, clip, segType) })
	}
}

func kill9HLSRepair(t *testing.T, clip, segType string) {
	dir := t.TempDir()
	config := fmt.Sprintf(`
rtmp {
    server {
        listen 127.0.0.1:0;
        application live {
            record all;
            record_path %s;
            record_format hls;
            record_hls_fragment 4s;
            record_hls_segment_type %s;
        }
    }
}
`, dir, segType)
	d := startDaemon(t, config)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	published := make(chan error, 1)
	go func() { published <- testmedia.Publish(ctx, t, clip, "rtmp://"+d.addr+"/live/cam", true) }()
	d.waitLog(t, "record: file opened", 1)
	start := time.Now()
	waitFor(t, 30*time.Second, "7.5 s of real-time publish", func() bool { return time.Since(start) >= 7500*time.Millisecond })
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Since(start)
	d.wait(t)
	cancel()
	<-published

	rec := filepath.Join(dir, "cam")
	pl := filepath.Join(rec, hls.PlaylistName)
	b, err := os.ReadFile(pl)
	if err != nil {
		t.Fatal(err)
	}
	before, err := hls.Parse(b)
	if err != nil || before.Ended || hls.Validate(before, false) != nil {
		t.Fatalf("playlist after the kill: %+v, %v\n%s", before, err, b)
	}
	// the restart closes it before it serves (start-up repair)
	again := startDaemon(t, config)
	again.waitLog(t, "repair: closed an HLS recording a crash left unfinished", 1)
	again.stop(t, syscall.SIGTERM)
	b, _ = os.ReadFile(pl)
	after, err := hls.Parse(b)
	if err != nil || hls.Validate(after, true) != nil || len(after.Segments) != len(before.Segments)+1 {
		t.Fatalf("repaired playlist (%d segments before): %v\n%s", len(before.Segments), err, b)
	}
	if !strings.Contains(again.log(), "finished="+after.Segments[len(after.Segments)-1].URI) {
		t.Fatalf("the repair did not log the finished segment:\n%s", again.log())
	}
	var out, errOut bytes.Buffer
	if code := runRepairCmd([]string{rec}, &out, &errOut); code != exitOK || !strings.Contains(out.String(), "already finished") {
		t.Fatalf("rtmprecd repair on the closed recording: exit %d, %q %q", code, out.String(), errOut.String())
	}
	got := testmedia.ProbeDuration(t, pl)
	recovered := time.Duration(after.Segments[len(after.Segments)-1].MS) * time.Millisecond
	t.Logf("killed %v after the first frame; %d segments, %v playable, %v of them recovered from the torn segment",
		killed, len(after.Segments), got, recovered)
	// lost: at most the 1 s flush period (and the fMP4 fragment being
	// filled, of at most 1 s), plus what ffmpeg's -re pacing lags behind
	// the wall clock on a loaded machine; removing the torn segment lost
	// its 3.5 s and more
	if lost := killed - got; lost > 3*time.Second || recovered < time.Second {
		t.Fatalf("%v playable of %v sent: lost %v (3 s allowed), %v recovered", got, killed, lost, recovered)
	}
}
