package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// recordConf is a one-server configuration recording live/* under dir.
func recordConf(dir string) string {
	return fmt.Sprintf(`
rtmp {
    server {
        listen 127.0.0.1:0;
        application live {
            record all;
            record_path %s;
        }
    }
}
`, dir)
}

// TestReloadKeepsLivePublish: a SIGHUP that changes record_path leaves a
// running real-time publish alone (its file stays where it started and is
// complete) while a publish that starts afterwards records to the new path.
func TestReloadKeepsLivePublish(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	d := startDaemon(t, recordConf(dirA))
	p1 := startPublisher(t, d.addr, "live", "cam1")
	p1.waitSent(20)

	if err := os.WriteFile(d.conf, []byte(recordConf(dirB)), 0o644); err != nil {
		t.Fatal(err)
	}
	d.signal(t, syscall.SIGHUP)
	d.waitLog(t, `msg="configuration reloaded" trigger=SIGHUP generation=2`, 1)

	p2 := startPublisher(t, d.addr, "live", "cam2")
	p2.waitSent(20)
	p1.waitSent(p1.sent.Load() + 20) // still flowing after the swap
	n1, err1 := p1.finish()
	n2, err2 := p2.finish()
	if err1 != nil || err2 != nil {
		t.Fatalf("publishers broke: %v, %v\n%s", err1, err2, d.log())
	}
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
	checkRecorded(t, dirA, map[string]int64{"cam1.flv": n1})
	checkRecorded(t, dirB, map[string]int64{"cam2.flv": n2})
}

// checkRecorded checks that dir holds exactly the files named in want, each
// with that many media tags.
func checkRecorded(t *testing.T, dir string, want map[string]int64) {
	t.Helper()
	files := flvFiles(t, dir)
	if len(files) != len(want) {
		t.Errorf("%s holds %v, want %d files", dir, files, len(want))
	}
	for _, f := range files {
		n, ok := want[filepath.Base(f)]
		if !ok {
			t.Errorf("unexpected file %s", f)
			continue
		}
		if got := mediaTags(t, f); got != n {
			t.Errorf("%s: %d media tags, publisher sent %d", f, got, n)
		}
	}
}

// TestReloadBrokenConfig: a configuration that does not load leaves the
// running one in place, with the error and its FILE:LINE in the log; a
// reload of an unchanged file does nothing.
func TestReloadBrokenConfig(t *testing.T) {
	good := recordConf(t.TempDir())
	d := startDaemon(t, good)
	broken := strings.Replace(good, "record all;", "record all;\n            recrod all;", 1)
	if err := os.WriteFile(d.conf, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	d.signal(t, syscall.SIGHUP)
	d.waitLog(t, `msg="configuration reload failed; keeping the running configuration"`, 1)
	want := fmt.Sprintf(`err="unknown directive \"recrod\" in %s:7"`, d.conf)
	if !strings.Contains(d.log(), want) {
		t.Errorf("log lacks %s\n%s", want, d.log())
	}
	// the old configuration still serves
	p := startPublisher(t, d.addr, "live", "cam1")
	p.waitSent(10)
	if _, err := p.finish(); err != nil {
		t.Fatalf("publish after a failed reload: %v", err)
	}

	if err := os.WriteFile(d.conf, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	d.signal(t, syscall.SIGHUP)
	d.waitLog(t, `msg="configuration unchanged" trigger=SIGHUP`, 1)
	if strings.Contains(d.log(), "configuration reloaded") {
		t.Errorf("an unchanged file was applied\n%s", d.log())
	}
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
}

// TestReloadListeners: a listener added by a reload accepts at once; once
// removed, it refuses new connections while the publish accepted on it
// goes on, and the unchanged listener keeps its socket throughout.
func TestReloadListeners(t *testing.T) {
	one := "rtmp { server { listen 127.0.0.1:0; application live { } } }\n"
	two := "rtmp { server { listen 127.0.0.1:0; listen 127.0.0.1:0; application live { } } }\n"
	d := startDaemon(t, one)
	if err := os.WriteFile(d.conf, []byte(two), 0o644); err != nil {
		t.Fatal(err)
	}
	d.signal(t, syscall.SIGHUP)
	d.waitLog(t, `msg="configuration reloaded"`, 1)
	addrs := d.listening()
	if len(addrs) != 2 || addrs[0] != d.addr {
		t.Fatalf("listening on %v, want the first one kept and one more\n%s", addrs, d.log())
	}
	added := addrs[1]
	p := startPublisher(t, added, "live", "cam1")
	p.waitSent(10)

	if err := os.WriteFile(d.conf, []byte(one), 0o644); err != nil {
		t.Fatal(err)
	}
	d.signal(t, syscall.SIGHUP)
	d.waitLog(t, `msg="stopped listening on `+added+`"`, 1)
	if !refused(added) {
		t.Errorf("removed listener %s still accepts", added)
	}
	p.waitSent(p.sent.Load() + 10)
	if _, err := p.finish(); err != nil {
		t.Errorf("publish on the removed listener: %v", err)
	}
	q := startPublisher(t, d.addr, "live", "cam2")
	q.waitSent(10)
	if _, err := q.finish(); err != nil {
		t.Errorf("publish on the kept listener: %v", err)
	}
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
}

// TestReloadUnderLoad: 50 concurrent real-time publishers across reloads
// that change record_path: none is dropped, none loses a frame, and every
// file stays where its publish started.
func TestReloadUnderLoad(t *testing.T) {
	const n = 50
	dirA := t.TempDir()
	d := startDaemon(t, recordConf(dirA))
	pubs := make([]*publisher, n)
	var wg sync.WaitGroup
	for i := range pubs {
		wg.Go(func() { pubs[i] = startPublisher(t, d.addr, "live", fmt.Sprintf("cam%d", i)) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	later := []string{t.TempDir(), t.TempDir()}
	for gen, dir := range later {
		keepSending(pubs)
		if err := os.WriteFile(d.conf, []byte(recordConf(dir)), 0o644); err != nil {
			t.Fatal(err)
		}
		d.signal(t, syscall.SIGHUP)
		d.waitLog(t, fmt.Sprintf(`msg="configuration reloaded" trigger=SIGHUP generation=%d`, gen+2), 1)
	}
	keepSending(pubs)
	want := map[string]int64{}
	for _, p := range pubs {
		sent, err := p.finish()
		if err != nil {
			t.Errorf("publisher dropped: %v", err)
		}
		want[p.name+".flv"] = sent
	}
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
	if strings.Contains(d.log(), "level=ERROR") {
		t.Errorf("errors logged\n%s", d.log())
	}
	checkRecorded(t, dirA, want)
	for _, dir := range later {
		if files := flvFiles(t, dir); len(files) != 0 {
			t.Errorf("running publishers moved to a new record_path: %v", files)
		}
	}
}

// keepSending waits until every publisher has sent 10 more messages.
func keepSending(pubs []*publisher) {
	before := make([]int64, len(pubs))
	for i, p := range pubs {
		before[i] = p.sent.Load()
	}
	for i, p := range pubs {
		p.waitSent(before[i] + 10)
	}
}

// TestReloadWatchRenameOnSave: with config_watch on, an editor's
// write-temp-and-rename save triggers exactly one reload, and an
// application it adds works at once.
func TestReloadWatchRenameOnSave(t *testing.T) {
	base := "config_watch on;\nrtmp { server { listen 127.0.0.1:0; application live { } } }\n"
	d := startDaemon(t, base)
	d.waitLog(t, `msg="config_watch started"`, 1)
	// an unrelated file in the same directory is not a reason to reload
	if err := os.WriteFile(filepath.Join(filepath.Dir(d.conf), "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.rewrite(t, strings.Replace(base, "application live { }", "application live { } application added { }", 1))
	d.waitLog(t, `msg="configuration reloaded" trigger=config_watch generation=2`, 1)
	p := startPublisher(t, d.addr, "added", "cam1")
	p.waitSent(10)
	if _, err := p.finish(); err != nil {
		t.Errorf("publish to the added application: %v", err)
	}
	// SIGHUP goes through the same goroutine: once it is done, any reload
	// the watcher had queued would have run before it.
	d.signal(t, syscall.SIGHUP)
	d.waitLog(t, `msg="configuration unchanged" trigger=SIGHUP`, 1)
	if got := strings.Count(d.log(), `msg="reloading configuration" trigger=config_watch`); got != 1 {
		t.Errorf("%d watcher reloads, want 1\n%s", got, d.log())
	}
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
}

// TestReloadRefusedApplication: an application removed by a reload is
// refused to new connections at once.
func TestReloadRemovedApplication(t *testing.T) {
	two := "rtmp { server { listen 127.0.0.1:0; application live { } application old { } } }\n"
	d := startDaemon(t, two)
	if err := os.WriteFile(d.conf, []byte(strings.Replace(two, "application old { }", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	d.signal(t, syscall.SIGHUP)
	d.waitLog(t, `msg="configuration reloaded"`, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, d.addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Connect(ctx, "old", "rtmp://"+d.addr+"/old", nil); err == nil {
		t.Errorf("connect to a removed application succeeded")
	}
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
}
