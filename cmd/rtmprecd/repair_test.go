package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// clipPublisher publishes an FLV clip's tags with our client in real
// time (each tag when its timestamp is due) and remembers the timestamp
// of the last tag it sent.
type clipPublisher struct {
	last atomic.Int64 // ms; -1 before the first tag
	err  error
}

func publishClip(ctx context.Context, addr, app, name string, tags []flv.Tag, p *clipPublisher) {
	p.last.Store(-1)
	c, err := client.Dial(ctx, addr, client.Options{ChunkSize: 4096})
	if err != nil {
		p.err = err
		return
	}
	defer c.Close()
	if _, err = c.Connect(ctx, app, "rtmp://"+addr+"/"+app, nil); err != nil {
		p.err = err
		return
	}
	id, _, err := c.StartPublish(ctx, name, "live")
	if err != nil {
		p.err = err
		return
	}
	start := time.Now()
	for _, tg := range tags {
		if tg.Type == flv.TagScript {
			continue
		}
		due := start.Add(time.Duration(tg.Timestamp) * time.Millisecond)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(due)):
		}
		if c.WriteMedia(tg.Type, id, uint64(tg.Timestamp), tg.Data) != nil {
			return // the daemon was killed
		}
		p.last.Store(int64(tg.Timestamp))
	}
}

// crashBound is what a kill -9 may lose of what a real-time publisher
// sent: muxers write a fragment (fmp4) or their buffer and journal (mp4)
// at every key frame (the clip's GOP is 1 s) and at least every second of
// what they received; what was sent but still in the sockets and the
// daemon's queues at the kill (40 streams on a shared 2-core machine:
// measured up to ~0.7 s) is lost too.
const crashBound = 2 * time.Second

// TestKill9RepairsMP4AndFMP4AtStart: the built daemon records 20 streams
// in mp4 and 20 in fmp4 from our client publishing a clip in real time,
// and is killed with SIGKILL (before that, `rtmprecd repair` refuses two
// of the files being written: exit 1). `rtmprecd repair` finishes one file of each
// format by hand (one line each, exit 0; a missing file exits 1); the
// restarted daemon finishes the 38 others before it listens, one log line
// each. Every file then passes the strict box checker and ffprobe, no
// journal is left, and each holds all it was sent but at most the crash
// bound.
func TestKill9RepairsMP4AndFMP4AtStart(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	clip, err := flv.ReadFile(longClip(t, 8))
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{"mp4": t.TempDir(), "fmp4": t.TempDir()}
	d := startDaemon(t, fmt.Sprintf(`
rtmp {
    server {
        listen 127.0.0.1:0;
        application m { record all; record_format mp4; record_path %s; }
        application f { record all; record_format fmp4; record_path %s; }
    }
}
`, dirs["mp4"], dirs["fmp4"]))
	const streams = 20
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pubs := map[string]*clipPublisher{}
	var wg sync.WaitGroup
	for _, app := range []string{"m", "f"} {
		for i := range streams {
			p := &clipPublisher{}
			pubs[fmt.Sprintf("%s/s%d", app, i)] = p
			wg.Go(func() { publishClip(ctx, d.addr, app, fmt.Sprintf("s%d", i), clip.Tags, p) })
		}
	}
	d.waitLog(t, "record: file opened", 2*streams)
	waitFor(t, 30*time.Second, "4 s of media sent on every stream", func() bool {
		for _, p := range pubs {
			if p.last.Load() < 4000 {
				return false
			}
		}
		return true
	})
	live := exec.Command(daemonBinary(t), "repair", filepath.Join(dirs["mp4"], "s1.mp4"), filepath.Join(dirs["fmp4"], "s1.mp4"))
	if b, err := live.CombinedOutput(); live.ProcessState.ExitCode() != exitRepair || strings.Count(string(b), "being written by another process") != 2 {
		t.Fatalf("repair of files the daemon is writing: %v:\n%s", err, b)
	}
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	sent := map[string]int64{}
	for k, p := range pubs {
		sent[k] = p.last.Load()
	}
	d.wait(t)
	cancel()
	wg.Wait()
	for k, p := range pubs {
		if p.err != nil {
			t.Fatalf("%s: %v", k, p.err)
		}
	}
	byHand := []string{filepath.Join(dirs["mp4"], "s0.mp4"), filepath.Join(dirs["fmp4"], "s0.mp4")}
	repairByHand(t, byHand)

	d2, addrc := launchDaemon(t, d.conf)
	select {
	case <-addrc:
	case err := <-d2.done:
		t.Fatalf("restart: %v\n%s", err, d2.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("restart did not listen\n%s", d2.log())
	}
	if n := strings.Count(d2.log(), "repair: finished a recording a crash left unfinished"); n != 2*streams-2 {
		t.Fatalf("%d repair lines at start, want %d\n%s", n, 2*streams-2, d2.log())
	}
	checkRecovered(t, dirs, sent, streams)
}

// repairByHand runs `rtmprecd repair` on paths, then on a missing file.
func repairByHand(t *testing.T, paths []string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(daemonBinary(t), append([]string{"repair"}, paths...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("rtmprecd repair: %v\n%s%s", err, out.String(), errb.String())
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 ||
		!strings.Contains(lines[0], "mp4 finished from its journal") || !strings.Contains(lines[1], "fmp4 finished") ||
		!strings.Contains(out.String(), " s recovered") {
		t.Fatalf("rtmprecd repair printed:\n%s", out.String())
	}
	cmd = exec.Command(daemonBinary(t), "repair", filepath.Join(t.TempDir(), "none.mp4"))
	if b, err := cmd.CombinedOutput(); err == nil || cmd.ProcessState.ExitCode() != exitRepair {
		t.Fatalf("repair of a missing file: %v: %s", err, b)
	}
}

// checkRecovered checks every recording after repair.
func checkRecovered(t *testing.T, dirs map[string]string, sent map[string]int64, streams int) {
	t.Helper()
	worst := map[string]time.Duration{}
	for format, dir := range dirs {
		app := map[string]string{"mp4": "m", "fmp4": "f"}[format]
		for i := range streams {
			p := filepath.Join(dir, fmt.Sprintf("s%d.mp4", i))
			if _, err := os.Stat(mp4.JournalPath(p)); !os.IsNotExist(err) {
				t.Fatalf("%s: journal left after repair (%v)", p, err)
			}
			rep, err := mp4check.File(p)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Fragmented != (format == "fmp4") {
				t.Fatalf("%s: fragmented %v", p, rep.Fragmented)
			}
			pk := testmedia.Packets(t, p)
			var last int64
			for _, x := range pk {
				last = max(last, x.DTS)
			}
			lost := time.Duration(sent[fmt.Sprintf("%s/s%d", app, i)]-last) * time.Millisecond
			if lost > crashBound || len(pk) == 0 {
				t.Errorf("%s: last packet at %d ms, %d ms sent: lost %v (bound %v)", p, last, sent[fmt.Sprintf("%s/s%d", app, i)], lost, crashBound)
			}
			worst[format] = max(worst[format], lost)
		}
	}
	t.Logf("most lost of a stream after kill -9 and repair: mp4 %v, fmp4 %v (bound %v)", worst["mp4"], worst["fmp4"], crashBound)
}

// TestRepairCmdUsage: `rtmprecd repair` without a file prints its usage
// and exits 2; -h exits 0.
func TestRepairCmdUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"repair"}, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "usage: rtmprecd repair FILE...") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if code := run([]string{"repair", "-h"}, &out, &errb); code != exitOK {
		t.Fatalf("-h: exit %d", code)
	}
}
