// Package testmedia gives tests tiny media made on the spot with ffmpeg from
// lavfi sources (by the committed testdata/mkclip.sh), ffprobe checks of
// recorded files, and an ffmpeg publisher. Nothing is downloaded.
//
// Tests that need ffmpeg fail under CI=true when it is missing, so CI can
// never pass by skipping them; elsewhere they skip.
package testmedia

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testenv"
)

// Clip variants for ClipVariant.
const (
	// AV is the default clip: H.264 video and AAC audio.
	AV = "av"
	// AudioOnly is an AAC-only clip.
	AudioOnly = "audio-only"
	// VideoOnly is an H.264-only clip.
	VideoOnly = "video-only"
)

// clipSeconds is the duration of every clip; tests rely on 4 keyframes
// (GOP of 1 s) and on ffprobe's packet counts, not on exact byte sizes.
const clipSeconds = "4"

// RequireFFmpeg fails the test under CI=true when ffmpeg or ffprobe is not
// on PATH, and skips it otherwise; it returns ffmpeg's path.
func RequireFFmpeg(t testing.TB) string {
	t.Helper()
	path := testenv.Tool(t, "ffmpeg")
	testenv.Tool(t, "ffprobe")
	return path
}

// Main runs the tests of a package that uses the shared clips, removes the
// clips and exits; call it from the package's TestMain:
//
//	func TestMain(m *testing.M) { testmedia.Main(m) }
//
// Without it the clips' directory (a few hundred KiB) stays in the system
// temp dir, because no single test owns the shared clips.
func Main(m *testing.M) {
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// clips holds one lazily made clip per variant, shared by every test of the
// test binary.
var clips = map[string]*clipOnce{AV: {flag: ""}, AudioOnly: {flag: "-a"}, VideoOnly: {flag: "-v"}}

type clipOnce struct {
	flag string
	once sync.Once
	path string
	err  error
}

// dir is the temporary directory that holds the clips of this test binary.
var dir struct {
	once sync.Once
	path string
	err  error
}

// Clip returns the path of the 4-second H.264+AAC FLV clip, made once per
// test binary. The file is shared: tests must not modify it.
func Clip(t testing.TB) string {
	t.Helper()
	return ClipVariant(t, AV)
}

// ClipVariant returns the path of the clip of the given kind (AV, AudioOnly
// or VideoOnly), made once per test binary.
func ClipVariant(t testing.TB, kind string) string {
	t.Helper()
	RequireFFmpeg(t)
	c, ok := clips[kind]
	if !ok {
		t.Fatalf("testmedia: unknown clip kind %q", kind)
	}
	c.once.Do(func() { c.path, c.err = makeClip(kind, c.flag) })
	if c.err != nil {
		t.Fatalf("testmedia: %v", c.err)
	}
	return c.path
}

// ClipLength makes a clip of the given kind and length in whole seconds
// (25 video frames a second, one keyframe a second) in t.TempDir(), for
// tests that need more frames than the shared 4-second clips hold.
func ClipLength(t testing.TB, kind string, seconds int) string {
	t.Helper()
	return ClipSized(t, kind, seconds, "160x120")
}

// ClipSized is ClipLength with another picture size (WIDTHxHEIGHT), for
// tests of a resolution change mid-stream.
func ClipSized(t testing.TB, kind string, seconds int, size string) string {
	t.Helper()
	RequireFFmpeg(t)
	c, ok := clips[kind]
	if !ok {
		t.Fatalf("testmedia: unknown clip kind %q", kind)
	}
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), kind+"-"+size+".flv")
	args := []string{filepath.Join(root, "testdata", "mkclip.sh")}
	if c.flag != "" {
		args = append(args, c.flag)
	}
	args = append(args, out, fmt.Sprint(seconds), size)
	if b, err := exec.Command("sh", args...).CombinedOutput(); err != nil {
		t.Fatalf("testmedia: make %d s %s clip: %v: %s", seconds, kind, err, b)
	}
	return out
}

func makeClip(kind, flag string) (string, error) {
	dir.once.Do(func() { dir.path, dir.err = os.MkdirTemp("", "rtmprecd-testmedia-") })
	if dir.err != nil {
		return "", dir.err
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir.path, kind+".flv")
	args := []string{filepath.Join(root, "testdata", "mkclip.sh")}
	if flag != "" {
		args = append(args, flag)
	}
	args = append(args, out, clipSeconds)
	if b, err := exec.Command("sh", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("make %s clip: %w: %s", kind, err, b)
	}
	return out, nil
}

// cleanup removes the clips made by this test binary.
func cleanup() {
	if dir.path != "" {
		os.RemoveAll(dir.path)
	}
}

// RepoRoot returns the module root: the first directory at or above the
// working directory (a package directory under go test) that has go.mod.
func RepoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("testmedia: no go.mod above the working directory")
		}
		d = parent
	}
}
