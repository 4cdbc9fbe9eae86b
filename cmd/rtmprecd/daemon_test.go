package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// daemonBinary builds cmd/rtmprecd once per test run, as `make build` does.
func daemonBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rtmprecd-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "rtmprecd")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// daemon is a running rtmprecd binary.
type daemon struct {
	cmd    *exec.Cmd
	conf   string // configuration file path
	addr   string // first RTMP listen address
	mu     sync.Mutex
	stderr strings.Builder
	done   chan error
}

var listeningRe = regexp.MustCompile(`listening on ([^\s"]+)`)

// startDaemon runs the built binary on config text and waits until it
// logs its first listening address.
func startDaemon(t *testing.T, config string) *daemon {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rtmprecd.conf")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	d, addrc := launchDaemon(t, path)
	select {
	case d.addr = <-addrc:
	case err := <-d.done:
		t.Fatalf("daemon exited before listening: %v\n%s", err, d.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("daemon did not log a listening address\n%s", d.log())
	}
	return d
}

// launchDaemon starts the built binary with -c path and more args, and
// returns at once; addrc receives the first listening address it logs to
// stderr.
func launchDaemon(t *testing.T, path string, args ...string) (*daemon, <-chan string) {
	t.Helper()
	return launchDaemonIn(t, "", path, args...)
}

// launchDaemonIn is launchDaemon in working directory dir ("" = the
// test's), where a relative path resolves.
func launchDaemonIn(t *testing.T, dir, path string, args ...string) (*daemon, <-chan string) {
	t.Helper()
	args = append([]string{"-c", path}, args...)
	d := &daemon{cmd: exec.Command(daemonBinary(t), args...), conf: path, done: make(chan error, 1)}
	d.cmd.Dir = dir
	pipe, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
			<-d.done
		}
	})
	addrc := make(chan string, 1)
	go d.scan(pipe, addrc)
	return d, addrc
}

// scan copies the daemon's log and reports the first listening address.
func (d *daemon) scan(r io.Reader, addrc chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		d.mu.Lock()
		d.stderr.WriteString(line + "\n")
		d.mu.Unlock()
		if m := listeningRe.FindStringSubmatch(line); m != nil {
			select {
			case addrc <- m[1]:
			default:
			}
		}
	}
	d.done <- d.cmd.Wait()
}

func (d *daemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

// stop sends sig and returns the exit code.
func (d *daemon) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	return d.wait(t)
}

// wait returns the exit code once the daemon has exited.
func (d *daemon) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-d.done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		t.Fatalf("daemon did not exit\n%s", d.log())
		return -1
	}
}

// TestDaemonRecordsFFmpegPushAndStopsOnSIGTERM runs the built binary on a
// port-0 config, pushes the test clip with ffmpeg, ignores a SIGHUP, and
// checks that SIGTERM exits 0 with a complete recording.
func TestDaemonRecordsFFmpegPushAndStopsOnSIGTERM(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	clip := testmedia.Clip(t)
	recDir := t.TempDir()
	d := startDaemon(t, fmt.Sprintf(`
rtmp {
    server {
        listen 127.0.0.1:0;
        application live {
            record all;
            record_path %s;
        }
    }
}
`, recDir))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := testmedia.Publish(ctx, t, clip, "rtmp://"+d.addr+"/live/cam1", false); err != nil {
		t.Fatalf("ffmpeg push: %v\n%s", err, d.log())
	}
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// Signals sent back to back may arrive in either order: let the
	// SIGHUP be handled before stopping.
	d.waitLog(t, "trigger=SIGHUP", 1)
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after SIGTERM\n%s", code, d.log())
	}
	if !strings.Contains(d.log(), "SIGHUP") {
		t.Errorf("SIGHUP was not logged\n%s", d.log())
	}

	files, _ := filepath.Glob(filepath.Join(recDir, "*.flv"))
	if len(files) != 1 {
		t.Fatalf("recorded files %v, want one\n%s", files, d.log())
	}
	got, err := flv.ReadFile(files[0])
	if err != nil {
		t.Fatalf("recorded file is not a valid FLV: %v", err)
	}
	want, err := flv.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []uint8{8, 9} {
		if g, w := got.Count(typ), want.Count(typ); g < w {
			t.Errorf("tag type %d: recorded %d, clip has %d", typ, g, w)
		}
	}
	v, a := testmedia.ProbePackets(t, files[0])
	cv, ca := testmedia.ProbePackets(t, clip)
	if v != cv || a != ca {
		t.Errorf("ffprobe packets video/audio = %d/%d, clip %d/%d", v, a, cv, ca)
	}
}
