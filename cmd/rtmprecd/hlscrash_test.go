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
// ffmpeg publish to an HLS recorder leaves a playlist without ENDLIST
// whose listed segments all play; the restarted daemon's start-up repair
// (hls.RepairDir: the lock is free, its holder is dead) ends it, removes
// the segment being written, `rtmprecd repair DIR` then finds it finished, and the
// result validates and holds all but the segment being written (and
// ffmpeg's pacing lag) of what was sent before the kill.
func TestKill9HLSRepair(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	clip := longClip(t, 10)
	dir := t.TempDir()
	config := fmt.Sprintf(`
rtmp {
    server {
        listen 127.0.0.1:0;
        application live {
            record all;
            record_path %s;
            record_format hls;
            record_hls_fragment 1s;
        }
    }
}
`, dir)
	d := startDaemon(t, config)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	published := make(chan error, 1)
	go func() { published <- testmedia.Publish(ctx, t, clip, "rtmp://"+d.addr+"/live/cam", true) }()
	d.waitLog(t, "record: file opened", 1)
	start := time.Now()
	waitFor(t, 30*time.Second, "4.5 s of real-time publish", func() bool { return time.Since(start) >= 4500*time.Millisecond })
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
	if err != nil || hls.Validate(after, true) != nil || len(after.Segments) != len(before.Segments) {
		t.Fatalf("repaired playlist: %v\n%s", err, b)
	}
	var out, errOut bytes.Buffer
	if code := runRepairCmd([]string{rec}, &out, &errOut); code != exitOK || !strings.Contains(out.String(), "already finished") {
		t.Fatalf("rtmprecd repair on the closed recording: exit %d, %q %q", code, out.String(), errOut.String())
	}
	got := testmedia.ProbeDuration(t, pl)
	t.Logf("killed %v after the first frame; %d segments, %v playable", killed, len(after.Segments), got)
	// the segment being written (one 1 s GOP here) is lost, plus what
	// ffmpeg's -re pacing lags behind the wall clock on a loaded machine
	if lost := killed - got; lost > 3*time.Second {
		t.Fatalf("%v playable of %v sent: lost %v, more than a segment and 2 s", got, killed, lost)
	}
}
