package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
)

// TestReloadPinsRecordFormat: a SIGHUP that switches record_format from
// flv to mp4 (and the path) leaves a running publish recording FLV where
// it started, while a publish that starts afterwards records an MP4 that
// holds every frame it sent.
func TestReloadPinsRecordFormat(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	d := startDaemon(t, recordConf(dirA))
	p1 := startPublisher(t, d.addr, "live", "cam1")
	p1.waitSent(20)

	mp4Conf := strings.Replace(recordConf(dirB), "record all;", "record all; record_format mp4;", 1)
	if err := os.WriteFile(d.conf, []byte(mp4Conf), 0o644); err != nil {
		t.Fatal(err)
	}
	d.signal(t, syscall.SIGHUP)
	d.waitLog(t, `msg="configuration reloaded" trigger=SIGHUP generation=2`, 1)

	p2 := startPublisher(t, d.addr, "live", "cam2")
	p2.waitSent(20)
	p1.waitSent(p1.sent.Load() + 20)
	n1, err1 := p1.finish()
	n2, err2 := p2.finish()
	if err1 != nil || err2 != nil {
		t.Fatalf("publishers broke: %v, %v\n%s", err1, err2, d.log())
	}
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
	checkRecorded(t, dirA, map[string]int64{"cam1.flv": n1})
	if got := flvFiles(t, dirB); len(got) != 0 {
		t.Errorf("FLV files %v under the mp4 recorder's path", got)
	}
	rep, err := mp4check.File(filepath.Join(dirB, "cam2.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	var samples int64
	for _, tr := range rep.Tracks {
		samples += int64(tr.Samples)
	}
	if samples != n2-2 { // the publisher's two sequence headers are not samples
		t.Errorf("cam2.mp4 holds %d samples, publisher sent %d frames after its headers", samples, n2-2)
	}
}
