package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rtmprecd/rtmprecd/parser"
)

// TestDebounce: a burst of changes gives one signal, d after the last one;
// a signal already pending absorbs the next.
func TestDebounce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 300 * time.Millisecond
		stop, in, out := make(chan struct{}), make(chan struct{}), make(chan struct{}, 1)
		go debounce(stop, in, d, out)
		start := time.Now()
		for range 3 {
			in <- struct{}{}
			time.Sleep(100 * time.Millisecond) // fake time: inside the burst
		}
		synctest.Wait()
		if len(out) != 0 {
			t.Fatal("signalled inside the burst")
		}
		<-out
		if got := time.Since(start); got != 200*time.Millisecond+d {
			t.Errorf("signalled after %v, want %v", got, 200*time.Millisecond+d)
		}
		// two bursts while nobody reads: one pending signal
		for range 2 {
			in <- struct{}{}
			time.Sleep(2 * d)
		}
		synctest.Wait()
		if len(out) != 1 {
			t.Errorf("%d pending signals, want 1", len(out))
		}
		close(stop)
	})
}

// TestConfigWatcher: with real inotify, a rename-on-save of a watched file
// (here an included one) signals, and so does a new file matching an
// include pattern; other names in the same directories do not count, and
// set drops the directories no longer needed.
func TestConfigWatcher(t *testing.T) {
	dir, incDir := t.TempDir(), t.TempDir()
	main, inc := filepath.Join(dir, "main.conf"), filepath.Join(incDir, "inc.conf")
	confD := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(confD, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, main, "include "+inc+";\ninclude conf.d/*.conf;\n")
	write(t, inc, "\n")
	out := make(chan struct{}, 1)
	src := parser.Sources{Files: []string{main, inc}, Globs: []string{filepath.Join(confD, "*.conf")}}
	w, err := newConfigWatcher(src, 10*time.Millisecond, out, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if len(w.dirs) != 3 {
		t.Fatalf("watching %v, want three directories", w.dirs)
	}
	for name, want := range map[string]bool{
		inc: true, filepath.Join(confD, "cam.conf"): true,
		filepath.Join(dir, "other.txt"): false, filepath.Join(confD, "cam.conf~"): false,
	} {
		if w.watched(name) != want {
			t.Errorf("watched(%s) = %v", name, !want)
		}
	}

	// editors write a temporary file and rename it over the original
	for _, target := range []string{inc, filepath.Join(confD, "new.conf")} {
		write(t, target+".swp", "x")
		if err := os.Rename(target+".swp", target); err != nil {
			t.Fatal(err)
		}
		select {
		case <-out:
		case <-time.After(10 * time.Second):
			t.Fatalf("no signal after saving %s", target)
		}
	}

	w.set(parser.Sources{Files: []string{main}})
	if len(w.dirs) != 1 || !w.dirs[dir] {
		t.Errorf("after set: watching %v", w.dirs)
	}
}
