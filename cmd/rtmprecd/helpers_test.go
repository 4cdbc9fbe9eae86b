package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// waitFor polls cond every few milliseconds until it holds, and fails the
// test with what's description (and more, if given) after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool, more ...func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			msg := ""
			for _, m := range more {
				msg += "\n" + m()
			}
			t.Fatalf("timed out after %v waiting for %s%s", timeout, what, msg)
		}
		<-tick.C
	}
}

// waitLog waits until the daemon's log holds substr n times.
func (d *daemon) waitLog(t *testing.T, substr string, n int) {
	t.Helper()
	waitFor(t, 30*time.Second, fmt.Sprintf("%d× %q in the log", n, substr),
		func() bool { return strings.Count(d.log(), substr) >= n }, d.log)
}

// signal sends sig to the daemon.
func (d *daemon) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// rewrite replaces the daemon's configuration file as an editor that saves
// by renaming does: write a temporary file, then rename it over the file.
func (d *daemon) rewrite(t *testing.T, config string) {
	t.Helper()
	tmp := d.conf + ".tmp"
	if err := os.WriteFile(tmp, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, d.conf); err != nil {
		t.Fatal(err)
	}
}

var listeningAllRe = regexp.MustCompile(`msg="listening on ([^\s"]+)"`)

// listening returns every address the daemon logged as listening on.
func (d *daemon) listening() []string {
	var out []string
	for _, m := range listeningAllRe.FindAllStringSubmatch(d.log(), -1) {
		out = append(out, m[1])
	}
	return out
}

// publisher is a real-time publisher on our test client: it sends a video
// and an audio frame every frameGap, like a camera, until finish.
type publisher struct {
	t    *testing.T
	c    *client.Conn
	id   uint32
	name string
	sent atomic.Int64 // media messages sent, sequence headers included
	stop chan struct{}
	done chan error
}

const frameGap = 40 * time.Millisecond // 25 fps

// Minimal but well-formed AVC and AAC sequence headers and frames.
var (
	avcHeader = []byte{0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f, 0x01, 0x00, 0x04, 0x68, 0xee, 0x3c, 0x80}
	aacHeader = []byte{0xaf, 0x00, 0x12, 0x10}
	keyFrame  = []byte{0x17, 0x01, 0, 0, 0, 0, 0, 0, 4, 0x65, 0x88, 0x84, 0x00}
	interFrm  = []byte{0x27, 0x01, 0, 0, 0, 0, 0, 0, 4, 0x41, 0x9a, 0x02, 0x00}
	aacFrame  = []byte{0xaf, 0x01, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c}
)

// startPublisher connects to addr, publishes app/name and starts sending.
func startPublisher(t *testing.T, addr, app, name string) *publisher {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{ChunkSize: 4096})
	if err != nil {
		t.Fatalf("publish %s/%s: %v", app, name, err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Connect(ctx, app, "rtmp://"+addr+"/"+app, nil); err != nil {
		t.Fatalf("publish %s/%s: %v", app, name, err)
	}
	id, _, err := c.StartPublish(ctx, name, "live")
	if err != nil {
		t.Fatalf("publish %s/%s: %v", app, name, err)
	}
	p := &publisher{t: t, c: c, id: id, name: name, stop: make(chan struct{}), done: make(chan error, 1)}
	go func() { p.done <- p.run() }()
	return p
}

func (p *publisher) run() error {
	send := func(typ uint8, ts uint64, b []byte) error {
		if err := p.c.WriteMedia(typ, p.id, ts, b); err != nil {
			return err
		}
		p.sent.Add(1)
		return nil
	}
	if err := send(chunk.TypeVideo, 0, avcHeader); err != nil {
		return err
	}
	if err := send(chunk.TypeAudio, 0, aacHeader); err != nil {
		return err
	}
	tick := time.NewTicker(frameGap)
	defer tick.Stop()
	for i := uint64(0); ; i++ {
		v := interFrm
		if i%25 == 0 {
			v = keyFrame
		}
		ts := i * uint64(frameGap/time.Millisecond)
		if err := send(chunk.TypeVideo, ts, v); err != nil {
			return err
		}
		if err := send(chunk.TypeAudio, ts, aacFrame); err != nil {
			return err
		}
		select {
		case <-p.stop:
			return nil
		case <-p.c.Done():
			return fmt.Errorf("connection ended: %v", p.c.Err())
		case <-tick.C:
		}
	}
}

// waitSent waits until at least n media messages went out.
func (p *publisher) waitSent(n int64) {
	p.t.Helper()
	waitFor(p.t, 30*time.Second, fmt.Sprintf("%s to send %d messages", p.name, n),
		func() bool { return p.sent.Load() >= n || len(p.done) > 0 })
}

// finish stops sending, unpublishes as ffmpeg does and waits for the
// server's confirmation. It returns the number of media messages sent and
// an error if the connection broke at any point.
func (p *publisher) finish() (int64, error) {
	close(p.stop)
	if err := <-p.done; err != nil {
		return p.sent.Load(), fmt.Errorf("%s: %w", p.name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.c.StopPublish(p.id, p.name); err != nil {
		return p.sent.Load(), fmt.Errorf("%s: %w", p.name, err)
	}
	if _, err := p.c.WaitStatus(ctx, "NetStream.Unpublish.Success"); err != nil {
		return p.sent.Load(), fmt.Errorf("%s: %w", p.name, err)
	}
	p.c.Close()
	return p.sent.Load(), nil
}

// flvFiles returns the FLV files in dir.
func flvFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.flv"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// mediaTags counts the audio and video tags of a recorded file, which
// must read back as valid FLV.
func mediaTags(t *testing.T, path string) int64 {
	t.Helper()
	f, err := flv.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return int64(f.Count(flv.TagAudio) + f.Count(flv.TagVideo))
}

// refused reports whether a TCP connection to addr is refused.
func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return true
}
