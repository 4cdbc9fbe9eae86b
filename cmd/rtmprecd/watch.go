package main

import (
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/rtmprecd/rtmprecd/parser"
)

// watchDelay is how long the watcher waits after the last change of a
// configuration file before it asks for a reload: an editor's save is
// several events (write, rename, chmod), and a reload should see the end
// result once.
const watchDelay = 300 * time.Millisecond

// configWatcher asks for a reload when a configuration file changes
// (config_watch on). It watches the files' directories, not the files: an
// editor that saves by writing a temporary file and renaming it over the
// original replaces the inode a file watch would follow. A file created in
// the directory of an include pattern (`include conf.d/*.conf`) counts when
// it matches the pattern. Events on other names (logs, editor temporaries)
// are ignored, and the reload itself compares hashes, so a save that changes
// nothing does nothing.
type configWatcher struct {
	fsw     *fsnotify.Watcher
	log     *slog.Logger
	changed chan struct{} // a watched file changed; feeds debounce
	stop    chan struct{}
	wg      sync.WaitGroup

	mu    sync.Mutex
	files map[string]bool // absolute paths, and their symlink targets
	globs []string        // absolute include patterns
	dirs  map[string]bool // directories being watched
}

// newConfigWatcher watches src and sends on out (without blocking; out
// should have a buffer of one) delay after the last change.
func newConfigWatcher(src parser.Sources, delay time.Duration, out chan<- struct{}, log *slog.Logger) (*configWatcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &configWatcher{fsw: fsw, log: log, changed: make(chan struct{}, 1), stop: make(chan struct{}),
		files: map[string]bool{}, dirs: map[string]bool{}}
	w.set(src)
	w.wg.Add(2)
	go w.events()
	go func() {
		defer w.wg.Done()
		debounce(w.stop, w.changed, delay, out)
	}()
	return w, nil
}

// set replaces what is watched, after a reload read another set of
// includes.
func (w *configWatcher) set(src parser.Sources) {
	want, dirs := map[string]bool{}, map[string]bool{}
	for _, f := range src.Files {
		for _, p := range watchPaths(f) {
			want[p] = true
			dirs[filepath.Dir(p)] = true
		}
	}
	var globs []string
	for _, g := range src.Globs {
		g, err := filepath.Abs(g)
		// a wildcard (or an escaped one) in the directory part would need
		// a watch per matching directory: only the file name may vary
		if dir := filepath.Dir(g); err == nil && !strings.ContainsAny(dir, `*?[\`) {
			globs = append(globs, g)
			dirs[dir] = true
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.files, w.globs = want, globs
	for d := range w.dirs {
		if !dirs[d] {
			w.fsw.Remove(d)
			delete(w.dirs, d)
		}
	}
	for d := range dirs {
		if w.dirs[d] {
			continue
		}
		if err := w.fsw.Add(d); err != nil {
			w.log.Warn("config_watch: cannot watch directory", "dir", d, "err", err)
			continue
		}
		w.dirs[d] = true
	}
}

// watchPaths is f made absolute and, when it is a symlink (as in a
// Kubernetes ConfigMap volume), its target too: a change may replace either.
func watchPaths(f string) []string {
	abs, err := filepath.Abs(f)
	if err != nil {
		return nil
	}
	out := []string{abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		out = append(out, real)
	}
	return out
}

// events passes on the events that touch a watched file.
func (w *configWatcher) events() {
	defer w.wg.Done()
	for {
		select {
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if ev.Op == fsnotify.Chmod || !w.watched(ev.Name) {
				continue
			}
			select {
			case w.changed <- struct{}{}:
			default: // one pending change is enough
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.log.Warn("config_watch: watcher error", "err", err)
		}
	}
}

func (w *configWatcher) watched(name string) bool {
	name = filepath.Clean(name)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.files[name] {
		return true
	}
	for _, g := range w.globs {
		if ok, _ := filepath.Match(g, name); ok {
			return true
		}
	}
	return false
}

// close stops watching and waits for the watcher's goroutines.
func (w *configWatcher) close() {
	close(w.stop)
	w.fsw.Close()
	w.wg.Wait()
}

// debounce sends on out (without blocking) once d has passed since the last
// value from in, until stop is closed.
func debounce(stop <-chan struct{}, in <-chan struct{}, d time.Duration, out chan<- struct{}) {
	t := time.NewTimer(d)
	t.Stop()
	var fire <-chan time.Time
	for {
		select {
		case <-stop:
			t.Stop()
			return
		case <-in:
			t.Reset(d)
			fire = t.C
		case <-fire:
			fire = nil
			select {
			case out <- struct{}{}:
			default: // a reload is already pending
			}
		}
	}
}
