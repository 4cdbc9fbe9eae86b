package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// TestKill9KeepsValidFiles: SIGKILL of the built binary during a
// real-time ffmpeg publish leaves every file a valid FLV to its last byte
// (the strict reader rejects a torn tail), starting with a valid
// placeholder onMetaData (no duration: unfinished) that ffprobe reads,
// and holding media up
// to at most 1.5 s before the kill (the writer flushes at each keyframe
// and at least every second).
func TestKill9KeepsValidFiles(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	clip := longClip(t, 10)
	one, pieces := t.TempDir(), t.TempDir()
	d := startDaemon(t, fmt.Sprintf(`
rtmp {
    server {
        listen 127.0.0.1:0;
        application live {
            record all;
            record_path %s;
            recorder pieces { record all; record_path %s; record_interval 2s; }
        }
    }
}
`, one, pieces))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	published := make(chan error, 1)
	go func() { published <- testmedia.Publish(ctx, t, clip, "rtmp://"+d.addr+"/live/cam", true) }()
	// The first frame opens the files: media time 0 is about now.
	d.waitLog(t, "record: file opened", 2)
	start := time.Now()
	waitFor(t, 30*time.Second, "5.5 s of real-time publish", func() bool { return time.Since(start) >= 5500*time.Millisecond })
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Since(start)
	d.wait(t)
	cancel()
	<-published

	f, finished := checkCrashFile(t, filepath.Join(one, "cam.flv"))
	if finished {
		t.Fatal("the file being recorded at the kill has final metadata")
	}
	last := lastTimestamp(f)
	lost := killed - time.Duration(last)*time.Millisecond
	t.Logf("killed %v after the first frame; last media in the file at %d ms (%v before)", killed, last, lost)
	if lost > 1500*time.Millisecond {
		t.Fatalf("last media at %d ms, killed at %v: lost %v", last, killed, lost)
	}
	// ffprobe reads the unfinished file without a complaint, its duration
	// from the timestamps.
	if d := testmedia.ProbeDuration(t, filepath.Join(one, "cam.flv")); d < killed-1500*time.Millisecond {
		t.Fatalf("ffprobe duration %v of a file killed at %v", d, killed)
	}
	files, _ := filepath.Glob(filepath.Join(pieces, "*.flv"))
	if len(files) < 2 {
		t.Fatalf("pieces %v", files)
	}
	unfinished := 0
	for _, p := range files {
		if _, finished := checkCrashFile(t, p); !finished {
			unfinished++
		}
	}
	if unfinished != 1 { // the piece being recorded; closed pieces are finished
		t.Fatalf("%d of %d pieces without final metadata, want 1", unfinished, len(files))
	}
}

// checkCrashFile reads path strictly: valid to its end, first tag our
// onMetaData; finished reports whether that holds the final duration.
func checkCrashFile(t *testing.T, path string) (f *flv.File, finished bool) {
	t.Helper()
	f, err := flv.ReadFile(path)
	if err != nil {
		t.Fatalf("after kill -9: %v", err)
	}
	if len(f.Tags) == 0 || f.Tags[0].Type != flv.TagScript {
		t.Fatalf("%s: no metadata tag first", path)
	}
	name, m, err := f.Tags[0].Metadata()
	if err != nil || name != "onMetaData" || m["metadatacreator"] != "rtmprecd" {
		t.Fatalf("%s: first tag %q %v: %v", path, name, m, err)
	}
	_, finished = m["duration"]
	return f, finished
}

func lastTimestamp(f *flv.File) uint32 {
	var last uint32
	for _, tg := range f.Tags {
		if tg.Type != flv.TagScript {
			last = max(last, tg.Timestamp)
		}
	}
	return last
}

// longClip makes a clip of secs seconds with the repository's script.
func longClip(t *testing.T, secs int) string {
	t.Helper()
	root, err := testmedia.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "long.flv")
	cmd := exec.Command("sh", filepath.Join(root, "testdata", "mkclip.sh"), out, fmt.Sprint(secs))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mkclip: %v: %s", err, strings.TrimSpace(string(b)))
	}
	return out
}
