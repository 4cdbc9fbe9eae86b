package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
)

// TestLogReopenLosesNoLine rotates the log file repeatedly (rename, then
// reopen, as logrotate and SIGUSR1 do) while goroutines log: every record
// lands whole in exactly one of the files.
func TestLogReopenLosesNoLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.log")
	cfg, err := conf.LoadBytes("x.conf", []byte("error_log "+path+" info;"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := newLogOutput(cfg, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	log := out.logger()
	const writers, lines, rotations = 4, 500, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range lines {
				log.Info("line", "w", w, "i", i)
			}
		})
	}
	for r := range rotations {
		if err := os.Rename(path, fmt.Sprintf("%s.%d", path, r)); err != nil {
			t.Fatal(err)
		}
		if err := out.reopen(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	out.Close()

	seen := map[string]bool{}
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if l == "" {
				continue
			}
			i := strings.Index(l, "msg=line ")
			if i < 0 || seen[l[i:]] {
				t.Fatalf("%s: bad or repeated line %q", f, l)
			}
			seen[l[i:]] = true
		}
	}
	if len(seen) != writers*lines {
		t.Errorf("%d distinct lines in %d files, want %d", len(seen), len(files), writers*lines)
	}
}

// TestLogSwitchOnReload: prepare opens the new error_log before the swap
// and fails without changing anything when it cannot; its switch moves
// records to the new file and applies the new level.
func TestLogSwitchOnReload(t *testing.T) {
	dir := t.TempDir()
	var stderr testserver.LogBuffer
	cfg0, _ := conf.LoadBytes("x.conf", nil)
	out, err := newLogOutput(cfg0, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	log := out.logger()

	bad, _ := conf.LoadBytes("x.conf", []byte("error_log "+filepath.Join(dir, "no", "such.log")+";"))
	if _, err := out.prepare(bad); err == nil {
		t.Fatal("prepare opened a log in a missing directory")
	}
	log.Info("before")

	path := filepath.Join(dir, "new.log")
	cfg1, _ := conf.LoadBytes("x.conf", []byte("error_log "+path+" warn;"))
	apply, err := out.prepare(cfg1)
	if err != nil {
		t.Fatal(err)
	}
	apply(true)
	log.Info("hidden")
	log.Warn("after")
	out.Close()
	b, _ := os.ReadFile(path)
	if !strings.Contains(stderr.String(), "msg=before") || strings.Contains(string(b), "hidden") || !strings.Contains(string(b), "msg=after") {
		t.Errorf("stderr %q, file %q", stderr.String(), b)
	}
}
