package testmedia

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"
)

// Publish streams clip to url with `ffmpeg -c copy -f flv`, paced at the
// clip's rate when realtime is set, and returns when ffmpeg exits. It is
// safe to call from a goroutine: it never calls t.Fatal or t.Skip, so call
// RequireFFmpeg (or Clip) first. When ctx ends ffmpeg is killed. The error
// includes ffmpeg's stderr. Pass only 127.0.0.1 URLs from tests.
func Publish(ctx context.Context, t testing.TB, clip, url string, realtime bool) error {
	t.Helper()
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin"}
	if realtime {
		args = append(args, "-re")
	}
	args = append(args, "-i", clip, "-c", "copy", "-f", "flv", url)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second // do not hang on a child that keeps stderr open
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return fmt.Errorf("testmedia: ffmpeg publish %s: %w: %s", url, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}
