package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
	"github.com/rtmprecd/rtmprecd/service"
)

// startInProcess runs the daemon in this process on the configuration file
// at path, stopped at the end of the test, and returns it with its log.
// setup, if given, sees the daemon before it starts.
func startInProcess(t *testing.T, path string, setup ...func(*Daemon)) (*Daemon, *testserver.LogBuffer, context.CancelFunc) {
	t.Helper()
	cfg, err := conf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testserver.LogBuffer{}
	out, err := newLogOutput(cfg, logs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started, exited := make(chan *Daemon, 1), make(chan int, 1)
	d := newDaemon(cfg, out, nil)
	for _, f := range setup {
		f(d)
	}
	go func() { exited <- serve(ctx, d, nil, started) }()
	select {
	case <-started:
	case code := <-exited:
		t.Fatalf("daemon exited %d\n%s", code, logs)
	}
	t.Cleanup(func() {
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("exit code %d", code)
		}
		out.Close()
	})
	return d, logs, cancel
}

func write(t *testing.T, path, src string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDaemonReloadStatus walks Reload and Status through each outcome: an
// unchanged file, a broken one, a listener that cannot bind, and a change.
func TestDaemonReloadStatus(t *testing.T) {
	base := "rtmp { server { listen 127.0.0.1:0; application live { } } }\n"
	path := writeConf(t, base)
	d, logs, cancel := startInProcess(t, path)
	first := d.Config()
	if st := d.Status(); st.Generation != 1 || st.Hash != first.Hash || st.File != path || st.LastResult != "" || st.LoadedAt.IsZero() {
		t.Fatalf("initial status %+v", st)
	}

	if err := d.Reload(); err != nil || d.Status().LastResult != reloadUnchanged || d.Status().Generation != 1 {
		t.Fatalf("unchanged reload: %v, %+v", err, d.Status())
	}

	write(t, path, "rtmp {\n  recrod all;\n}\n")
	err := d.Reload()
	if err == nil || err.Error() != `unknown directive "recrod" in `+path+":2" {
		t.Fatalf("broken reload: %v", err)
	}
	st := d.Status()
	if st.LastResult != reloadFailed || st.LastError != err.Error() || st.LastErrorAt.IsZero() || st.Generation != 1 || d.Config() != first {
		t.Fatalf("after a broken reload: %+v", st)
	}

	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	// the second port-0 listener binds, then the held address fails: both
	// are undone
	write(t, path, "rtmp { server { listen 127.0.0.1:0; listen 127.0.0.1:0;\nlisten "+held.Addr().String()+"; application live { } } }\n")
	err = d.Reload()
	if err == nil || !strings.HasPrefix(err.Error(), "listen "+held.Addr().String()+" in "+path+":2: ") || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("reload with a busy address: %v", err)
	}
	if d.Config() != first || len(d.lis.Bindings()) != 1 || strings.Count(logs.String(), "listening on") != 1 {
		t.Fatalf("a failed bind changed something: %d listeners\n%s", len(d.lis.Bindings()), logs)
	}

	newLog := filepath.Join(t.TempDir(), "new.log")
	write(t, path, "error_log "+newLog+" info;\n"+strings.Replace(base, "{ }", "{ } application more { }", 1))
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	st = d.Status()
	if st.Generation != 2 || st.LastResult != reloadApplied || st.Hash != d.Config().Hash || st.Hash == first.Hash || st.LastError == "" {
		t.Fatalf("after a change: %+v", st)
	}
	if b, _ := os.ReadFile(newLog); !strings.Contains(string(b), `msg="configuration reloaded" trigger=api generation=2`) {
		t.Errorf("the new error_log did not get the reload's record: %q", b)
	}

	cancel()
	<-d.done
	if err := d.Reload(); !errors.Is(err, errStopping) {
		t.Errorf("Reload after stop: %v", err)
	}
}

// TestDaemonListenerMoves: when a reload gives a kept address to another
// rtmp server block, the socket stays open and new connections get the new
// block, while a connection made before keeps its own.
func TestDaemonListenerMoves(t *testing.T) {
	path := writeConf(t, "rtmp { server { listen 127.0.0.1:0; application live { } } }\n")
	d, logs, _ := startInProcess(t, path)
	a := rtmpAddr(d, 0)
	p := startPublisher(t, a, "live", "cam1")
	p.waitSent(10)

	write(t, path, "rtmp { server { listen 127.0.0.1:0; application other { } }\n"+
		"server { listen 127.0.0.1:0; application live { } } }\n")
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	if bs := d.lis.Bindings(); len(bs) != 2 || rtmpAddr(d, 0) != a || bs[0].Block != 0 {
		t.Fatalf("listeners after reload: %+v\n%s", bs, logs)
	}
	b := rtmpAddr(d, 1)
	for _, c := range []struct {
		addr, app string
		ok        bool
	}{{a, "other", true}, {a, "live", false}, {b, "live", true}} {
		if err := connect(t, c.addr, c.app); (err == nil) != c.ok {
			t.Errorf("connect %s/%s: %v, want success %v", c.addr, c.app, err, c.ok)
		}
	}
	p.waitSent(p.sent.Load() + 10)
	if _, err := p.finish(); err != nil {
		t.Errorf("publish from before the reload: %v", err)
	}
}

// connect runs the handshake and connect to app at addr.
func connect(t *testing.T, addr, app string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Connect(ctx, app, "rtmp://"+addr+"/"+app, nil)
	return err
}

// TestDaemonReloadPid: a reload that changes pid takes the new file before
// the swap and drops the old one after it, as nginx does; one that cannot
// take it changes nothing. The last file goes at exit.
func TestDaemonReloadPid(t *testing.T) {
	dir := t.TempDir()
	base := "rtmp { server { listen 127.0.0.1:0; application live { } } }\n"
	path := writeConf(t, base)
	d, _, cancel := startInProcess(t, path)
	pidA, pidB := filepath.Join(dir, "a.pid"), filepath.Join(dir, "b.pid")
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }

	write(t, path, "pid "+pidA+";\n"+base)
	if err := d.Reload(); err != nil || !exists(pidA) {
		t.Fatalf("reload to pid a: %v, file exists %v", err, exists(pidA))
	}
	write(t, path, "pid "+filepath.Join(dir, "missing", "c.pid")+";\n"+base)
	if err := d.Reload(); err == nil || !exists(pidA) {
		t.Fatalf("reload to an impossible pid: %v, a exists %v", err, exists(pidA))
	}
	write(t, path, "pid "+pidB+";\n"+base)
	if err := d.Reload(); err != nil || exists(pidA) || !exists(pidB) {
		t.Fatalf("reload to pid b: %v, a %v, b %v", err, exists(pidA), exists(pidB))
	}
	if pid, err := runningPid(pidB); err != nil || pid != os.Getpid() {
		t.Fatalf("runningPid(b) = %d, %v", pid, err)
	}
	cancel()
	<-d.done
	waitFor(t, 10*time.Second, "the pid file to go at exit", func() bool { return !exists(pidB) })
}

// TestDaemonServices: an added service is prepared and committed at start
// and on each applied reload; when one fails, the services prepared before
// it are aborted, no listener is bound and the configuration stays. The
// services stop at shutdown, in reverse order.
func TestDaemonServices(t *testing.T) {
	base := "rtmp { server { listen 127.0.0.1:0; application live { } } }\n"
	path := writeConf(t, base)
	events := &serviceEvents{}
	d, logs, cancel := startInProcess(t, path, func(d *Daemon) {
		d.svc = append(d.svc, &testService{name: "a", events: events}, &testService{name: "b", events: events})
	})
	first := d.Config()
	two := "rtmp { server { listen 127.0.0.1:0; listen 127.0.0.1:0; application live { } application fail%s { } } }\n"
	write(t, path, fmt.Sprintf(two, "b"))
	if err := d.Reload(); err == nil || err.Error() != "b says no" {
		t.Fatalf("reload: %v", err)
	}
	write(t, path, fmt.Sprintf(two, "x"))
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	want := []string{"a commit", "b commit", // start
		"b failed", "a abort",
		"a commit", "b commit"}
	if got := events.all(); !slices.Equal(got, want) {
		t.Errorf("service events\n%q\nwant\n%q", got, want)
	}
	if d.Config() == first || strings.Count(logs.String(), "listening on") != 2 {
		t.Errorf("listeners after the reloads\n%s", logs)
	}
	cancel()
	<-d.done
	waitFor(t, 10*time.Second, "the services to stop", func() bool {
		got := events.all()
		return slices.Equal(got[len(got)-2:], []string{"b stop", "a stop"})
	}, logs.String)
}

// testService records its lifecycle in events; it refuses a configuration
// with an application named "fail" and its name, and panics on one named
// "boom".
type testService struct {
	name   string
	events *serviceEvents
}

// serviceEvents is what test services did, in order.
type serviceEvents struct {
	mu   sync.Mutex
	list []string
}

func (e *serviceEvents) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.list)
}

func (s *testService) Name() string { return s.name }

func (s *testService) add(e string) {
	s.events.mu.Lock()
	s.events.list = append(s.events.list, s.name+" "+e)
	s.events.mu.Unlock()
}

func (s *testService) Prepare(cfg *conf.Config) (service.Change, error) {
	dump := string(cfg.Dump())
	if strings.Contains(dump, "application boom") {
		panic("boom")
	}
	if strings.Contains(dump, "application fail"+s.name) {
		s.add("failed")
		return nil, errors.New(s.name + " says no")
	}
	return service.Funcs{OnCommit: func() { s.add("commit") }, OnAbort: func() { s.add("abort") }}, nil
}

func (s *testService) Stop(context.Context) error {
	s.add("stop")
	return nil
}

// TestDaemonReloadPanic: a bug that panics during a reload is a failed
// reload, not the end of the daemon.
func TestDaemonReloadPanic(t *testing.T) {
	base := "rtmp { server { listen 127.0.0.1:0; application live { } } }\n"
	path := writeConf(t, base)
	d, _, _ := startInProcess(t, path, func(d *Daemon) {
		d.svc = append(d.svc, &testService{name: "p", events: &serviceEvents{}})
	})
	write(t, path, strings.Replace(base, "{ }", "{ } application boom { }", 1))
	if err := d.Reload(); err == nil || err.Error() != "reload panicked: boom" {
		t.Fatalf("Reload: %v", err)
	}
	write(t, path, strings.Replace(base, "{ }", "{ } application fine { }", 1))
	if err := d.Reload(); err != nil || d.Status().Generation != 2 {
		t.Fatalf("reload after the panic: %v, %+v", err, d.Status())
	}
}

// rtmpAddr is the bound address of the i-th listen directive (rtmp ones
// first, in configuration order).
func rtmpAddr(d *Daemon, i int) string { return d.lis.Bindings()[i].Bound().String() }
