package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/record"
)

// execCounter is an Observer that counts exec results.
type execCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *execCounter) NotifyCall(string, string, time.Duration) {}

func (c *execCounter) ExecRun(result string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[result]++
}

func (c *execCounter) get(result string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[result]
}

// gate is a file the test holds an exclusive flock(2) on: a script
// running `flock -s GATE true` blocks until open is called, so children
// stay running exactly as long as the test wants, without timing.
type gate struct {
	path string
	f    *os.File
}

func closedGate(t *testing.T, dir string) *gate {
	t.Helper()
	if _, err := exec.LookPath("flock"); err != nil {
		t.Fatalf("flock(1) (util-linux) is needed: %v", err)
	}
	g := &gate{path: filepath.Join(dir, "gate")}
	f, err := os.Create(g.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	g.f = f
	t.Cleanup(g.open)
	return g
}

// open releases every child blocked on the gate and every later one.
func (g *gate) open() {
	if g.f != nil {
		g.f.Close()
		g.f = nil
	}
}

// eventually polls cond until it holds or 10 s passed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// slowScript is an exec_record_done command that measures concurrency
// from the children's side: it marks itself running, appends how many
// children are marked running to DIR/concurrency, blocks on the gate,
// then appends its file ($1) to DIR/ran and unmarks itself.
func slowScript(t *testing.T, dir string, g *gate) string {
	t.Helper()
	if err := os.Mkdir(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	return script(t, dir, "slow.sh", fmt.Sprintf(`d=%q
mkdir "$d/run/$$"
ls "$d/run" | wc -l >> "$d/concurrency"
flock -s %q true
echo "$1" >> "$d/ran"
rmdir "$d/run/$$"`, dir, g.path))
}

// counted is how many children have written their count: a child that
// has is marked running and stays so until the gate opens, so once n
// have, the last of them counted all n.
func counted(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "concurrency"))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return len(strings.Fields(string(b)))
}

func lines(t *testing.T, p string) []string {
	t.Helper()
	return strings.Fields(readFile(t, p))
}

// TestExecBurstBoundedByMaxChildren: a burst of 500 record-done events
// whose exec_record_done is slow (a publisher forcing a split per frame)
// runs at most exec_max_children children at once, queues the next ones
// without a goroutine each, drops and counts the rest with a log line
// naming the file, runs every queued command once slots free up, and Wait
// (the daemon's bounded shutdown) covers queued commands.
func TestExecBurstBoundedByMaxChildren(t *testing.T) {
	const events, maxChildren, maxQueued = 500, 4, 16
	dir := t.TempDir()
	m, logs := newTestModule(t)
	g := closedGate(t, dir) // opened at cleanup before the module's Wait
	sh := slowScript(t, dir, g)
	obs := &execCounter{}
	m.Observer, m.MaxQueued = obs, maxQueued
	setMaxChildren(t, m, maxChildren)
	rc := &conf.Recorder{ExecRecordDone: []conf.Command{{Args: []string{sh, "$path"}}}}
	baseline := runtime.NumGoroutine()
	all := make([]string, events)
	for i := range events {
		all[i] = filepath.Join(dir, fmt.Sprintf("cam-%03d.flv", i))
		m.RecordDone(record.Event{Config: rc, App: "live", Name: "cam", Session: uint64(1000 + i), Path: all[i]})
	}
	dropped := events - maxChildren - maxQueued
	eventually(t, "the burst to be started, queued or dropped", func() bool {
		return obs.get(execDropped) == dropped && counted(t, dir) == maxChildren
	})
	// Two goroutines per running child (its reaper, os/exec's stderr
	// copier) and none per waiting command: a goroutine per waiting
	// command would stay 16 above this.
	eventually(t, "goroutines to settle at the running children's", func() bool {
		return runtime.NumGoroutine() <= baseline+2*maxChildren+2
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := m.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait returned %v with children running and queued", err)
	}
	g.open()
	settle(t, m)

	conc := lines(t, filepath.Join(dir, "concurrency"))
	peak := 0
	for _, l := range conc {
		n, err := strconv.Atoi(l)
		if err != nil {
			t.Fatal(err)
		}
		peak = max(peak, n)
	}
	if peak != maxChildren {
		t.Errorf("children saw up to %d running at once, want exactly exec_max_children %d", peak, maxChildren)
	}
	ran := lines(t, filepath.Join(dir, "ran"))
	if len(ran) != maxChildren+maxQueued || len(conc) != len(ran) {
		t.Errorf("%d commands ran (%d started), want %d", len(ran), len(conc), maxChildren+maxQueued)
	}
	if ok := obs.get(execOK); ok != maxChildren+maxQueued || obs.get(execDropped) != dropped {
		t.Errorf("counted ok %d dropped %d, want %d and %d", ok, obs.get(execDropped), maxChildren+maxQueued, dropped)
	}
	// Every event either ran once or has its drop line naming the file.
	var seen []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `msg="exec dropped`) {
			_, p, _ := strings.Cut(l, "path=")
			p, _, _ = strings.Cut(p, " ")
			seen = append(seen, p)
			if !strings.Contains(l, "level=WARN") || !strings.Contains(l, "directive=exec_record_done") {
				t.Errorf("drop line %s", l)
			}
		}
	}
	if len(seen) != dropped {
		t.Errorf("%d drop lines, want %d", len(seen), dropped)
	}
	seen = append(seen, ran...)
	slices.Sort(seen)
	if !slices.Equal(seen, all) {
		t.Errorf("ran and dropped files are not the %d events, each once", events)
	}
}

// TestExecNoQueue: with MaxQueued < 0 a command that finds every slot
// busy is dropped at once; the slot's command still runs.
func TestExecNoQueue(t *testing.T) {
	dir := t.TempDir()
	m, _ := newTestModule(t)
	g := closedGate(t, dir)
	sh := slowScript(t, dir, g)
	obs := &execCounter{}
	m.Observer, m.MaxQueued = obs, -1
	setMaxChildren(t, m, 1)
	cmd := conf.Command{Args: []string{sh, "$path"}}
	m.runAll([]conf.Command{cmd, cmd, cmd}, map[string]string{"path": "a"}, 0, m.Logger, "exec_publish")
	if obs.get(execDropped) != 2 {
		t.Errorf("dropped %d, want 2", obs.get(execDropped))
	}
	g.open()
	settle(t, m)
	if got := readFile(t, filepath.Join(dir, "ran")); got != "a\n" || obs.get(execOK) != 1 {
		t.Errorf("ran %q, ok %d", got, obs.get(execOK))
	}
}

// TestExecLimitFollowsReload: the committed exec_max_children is read at
// every start, so a lower one after a reload holds back the next command
// until the running ones are under it; a command that cannot start frees
// its slot at once. A reload that is aborted changes nothing.
func TestExecLimitFollowsReload(t *testing.T) {
	dir := t.TempDir()
	m, _ := newTestModule(t)
	g := closedGate(t, dir)
	sh := slowScript(t, dir, g)
	setMaxChildren(t, m, 2)
	cmd := conf.Command{Args: []string{sh, "$path"}}
	missing := conf.Command{Args: []string{filepath.Join(dir, "missing")}}
	m.runAll([]conf.Command{missing, cmd, cmd}, map[string]string{"path": "first"}, 0, m.Logger, "exec_record_done")
	eventually(t, "two children beside the one that did not start", func() bool { return counted(t, dir) == 2 })
	ch, err := m.Prepare(loadConf(t, "rtmp { exec_max_children 9; }"))
	if err != nil {
		t.Fatal(err)
	}
	ch.Abort()
	setMaxChildren(t, m, 1)
	m.runAll([]conf.Command{cmd}, map[string]string{"path": "second"}, 0, m.Logger, "exec_record_done")
	g.open()
	settle(t, m)
	ran, conc := lines(t, filepath.Join(dir, "ran")), lines(t, filepath.Join(dir, "concurrency"))
	// The first two may both see 2; the second must see itself alone.
	if len(ran) != 3 || ran[2] != "second" || len(conc) != 3 || slices.Max(conc[:2]) != "2" || conc[2] != "1" {
		t.Errorf("ran %q seeing %q running, want the second alone after the first two", ran, conc)
	}
}

// TestExecMaxChildrenDefault: the module's default is the directive's.
func TestExecMaxChildrenDefault(t *testing.T) {
	cfg, err := conf.LoadBytes("t.conf", []byte("rtmp { server { listen 1935; } }"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ExecMaxChildren != DefaultMaxChildren || (&Module{}).maxChildren() != DefaultMaxChildren {
		t.Errorf("exec_max_children default %d, module default %d", cfg.ExecMaxChildren, DefaultMaxChildren)
	}
}

// setMaxChildren commits a configuration with exec_max_children n, as a
// reload does.
func setMaxChildren(t *testing.T, m *Module, n int) {
	t.Helper()
	ch, err := m.Prepare(loadConf(t, fmt.Sprintf("rtmp { exec_max_children %d; }", n)))
	if err != nil {
		t.Fatal(err)
	}
	ch.Commit()
}

func loadConf(t *testing.T, text string) *conf.Config {
	t.Helper()
	cfg, err := conf.LoadBytes("t.conf", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
