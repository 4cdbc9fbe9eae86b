// Package nginxrtmp runs a private nginx with nginx-rtmp-module (Debian's
// nginx and libnginx-mod-rtmp) for side-by-side tests and benchmarks. The
// system nginx is never touched: every instance has its own prefix
// directory, configuration, pid file, logs and a free port on 127.0.0.1.
//
// The instance runs with `daemon off; master_process on;` and one worker
// by default, as nginx is deployed: Stop sends SIGQUIT, so the worker
// finishes its sessions the graceful way and the record module closes its
// files (and patches the FLV flags byte) exactly as in production. In
// single-process mode (master_process off) nginx exits on SIGQUIT without
// closing sessions, which would test a path users never run. The price is
// two processes: PID is the master, Processes adds the workers for CPU and
// memory sampling.
package nginxrtmp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// App is the name of the only application of the instance.
const App = "live"

// Default timeouts of Start and Stop.
const (
	DefaultStartTimeout = 15 * time.Second
	DefaultStopTimeout  = 10 * time.Second
)

// Options configures an instance. The zero value records every stream of
// application "live" into a temporary directory.
type Options struct {
	// RecordDir is the record_path; created when missing. Default:
	// DIR/record.
	RecordDir string
	// AppConfig holds the lines inside `application live {}` after
	// `live on;` and `record_path`; it must not set record_path again
	// (nginx rejects a duplicate). Default: "record all;".
	AppConfig string
	// Workers is worker_processes. Default: 1.
	Workers int
	// Dir is the nginx prefix: configuration, pid file and logs live in
	// it. Default: a new temporary directory that Stop removes.
	Dir string
	// Binary is the nginx executable. Default: "nginx" on PATH, else
	// DefaultBinary.
	Binary string
	// Module is the nginx-rtmp dynamic module. Default: DefaultModule.
	Module string
	// StopTimeout bounds the graceful shutdown before Stop kills the
	// process group. Default: DefaultStopTimeout.
	StopTimeout time.Duration
	// Stat adds an http server on a port of its own serving
	// `location /stat { rtmp_stat all; }` (see StatURL).
	Stat bool
}

// Server is a running nginx-rtmp instance.
type Server struct {
	opts       Options
	ownDir     bool
	addr       string
	statAddr   string // "" without Options.Stat
	cmd        *exec.Cmd
	done       chan struct{} // closed when the master has exited
	waitErr    error         // valid after done
	stopOnce   sync.Once
	stopErr    error
	stopCalled atomic.Bool // so a test's cleanup does not report its Stop twice
}

// Start writes a configuration under opts.Dir, starts nginx on a free
// 127.0.0.1 port and returns once the port is bound by this instance. ctx
// bounds the start only (default DefaultStartTimeout when it has no
// deadline); the instance runs until Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := opts.resolve(); err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultStartTimeout)
		defer cancel()
	}
	s := &Server{opts: opts}
	if err := s.prepareDirs(); err != nil {
		return nil, err
	}
	// Another process can take the port between our probe and nginx's
	// bind: nginx then exits, and we retry with a new port.
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = s.startOnce(ctx); !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		s.cleanupDir()
		return nil, err
	}
	return s, nil
}

// errAddrInUse marks a start that lost its port to another process.
var errAddrInUse = errors.New("address already in use")

// resolve fills in defaults and checks that nginx and the module exist.
func (o *Options) resolve() error {
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if strings.TrimSpace(o.AppConfig) == "" {
		o.AppConfig = "record all;"
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.Module == "" {
		o.Module = DefaultModule
	}
	if o.Binary == "" {
		o.Binary = findBinary()
	}
	return check(o.Binary, o.Module)
}

// prepareDirs creates the prefix (a temporary one when Dir is empty), its
// logs directory and the record directory.
func (s *Server) prepareDirs() error {
	if s.opts.Dir == "" {
		d, err := os.MkdirTemp("", "nginxrtmp-")
		if err != nil {
			return fmt.Errorf("nginxrtmp: prefix: %w", err)
		}
		s.opts.Dir, s.ownDir = d, true
	}
	dir, err := filepath.Abs(s.opts.Dir)
	if err != nil {
		return fmt.Errorf("nginxrtmp: prefix: %w", err)
	}
	s.opts.Dir = dir
	if s.opts.RecordDir == "" {
		s.opts.RecordDir = filepath.Join(dir, "record")
	}
	if s.opts.RecordDir, err = filepath.Abs(s.opts.RecordDir); err != nil {
		return fmt.Errorf("nginxrtmp: record dir: %w", err)
	}
	for _, d := range []string{filepath.Join(dir, "logs"), s.opts.RecordDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			s.cleanupDir()
			return fmt.Errorf("nginxrtmp: %w", err)
		}
	}
	return nil
}

// startOnce picks a port, writes the configuration, starts nginx and
// waits until it has bound the port.
func (s *Server) startOnce(ctx context.Context) error {
	port, err := pickPort()
	if err != nil {
		return err
	}
	s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if s.opts.Stat {
		if port, err = pickPort(); err != nil {
			return err
		}
		s.statAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}
	conf := s.confPath()
	if err := os.WriteFile(conf, []byte(renderConfig(s.opts, s.addr, s.statAddr)), 0o644); err != nil {
		return fmt.Errorf("nginxrtmp: write config: %w", err)
	}
	os.Remove(s.pidPath()) // a stale one would look like readiness
	// Fresh logs per attempt: an earlier lost bind must not make a later,
	// different failure look retryable.
	os.Remove(s.ErrorLogPath())
	out, err := os.Create(filepath.Join(s.opts.Dir, "logs", "stderr.log"))
	if err != nil {
		return fmt.Errorf("nginxrtmp: %w", err)
	}
	defer out.Close() // the child keeps its own copy
	cmd := exec.Command(s.opts.Binary, "-p", s.opts.Dir+"/", "-c", conf, "-e", s.ErrorLogPath())
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group, so Stop can kill workers too; SIGTERM to the
	// master if the test binary dies, so no nginx outlives it (Linux sends
	// it when the starting OS thread exits, which Go threads do not while
	// the process lives unless a goroutine dies locked to one).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("nginxrtmp: start %s: %w", s.opts.Binary, err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.kill()
		return err
	}
	return nil
}

// waitReady polls until the pid file holds our master's pid (nginx writes
// it after binding its listeners, so the port is ours and not a stranger's)
// and the port accepts connections.
func (s *Server) waitReady(ctx context.Context) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.pidFileMatches() && dialable(s.addr) {
			return nil
		}
		select {
		case <-s.done:
			log := s.ErrorLog()
			if strings.Contains(log, "Address already in use") {
				return fmt.Errorf("nginxrtmp: bind %s: %w", s.addr, errAddrInUse)
			}
			return fmt.Errorf("nginxrtmp: nginx exited during start (%v): %s", s.waitErr, tail(log, 2000))
		case <-ctx.Done():
			return fmt.Errorf("nginxrtmp: nginx not ready on %s: %w: %s", s.addr, ctx.Err(), tail(s.ErrorLog(), 2000))
		case <-tick.C:
		}
	}
}

func (s *Server) pidFileMatches() bool {
	b, err := os.ReadFile(s.pidPath())
	return err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(s.cmd.Process.Pid)
}

func dialable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// pickPort is freePort; tests replace it to lose the bind race on purpose.
var pickPort = freePort

// freePort returns a port that was free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("nginxrtmp: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Addr returns the listen address, "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.addr }

// URL returns the RTMP URL of stream name in application App.
func (s *Server) URL(name string) string { return "rtmp://" + s.addr + "/" + App + "/" + name }

// StatURL returns the URL of nginx-rtmp's /stat; "" without Options.Stat.
func (s *Server) StatURL() string {
	if s.statAddr == "" {
		return ""
	}
	return "http://" + s.statAddr + "/stat"
}

// AccessLogPath returns the path of the rtmp access log (combined format).
func (s *Server) AccessLogPath() string { return filepath.Join(s.opts.Dir, "logs", "access.log") }

// RecordDir returns the record_path.
func (s *Server) RecordDir() string { return s.opts.RecordDir }

// Dir returns the nginx prefix directory.
func (s *Server) Dir() string { return s.opts.Dir }

// PID returns the master process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// ErrorLogPath returns the path of nginx's error log.
func (s *Server) ErrorLogPath() string { return filepath.Join(s.opts.Dir, "logs", "error.log") }

// ErrorLog returns nginx's error log and anything it wrote to stderr, for
// diagnostics.
func (s *Server) ErrorLog() string {
	var b strings.Builder
	for _, name := range []string{"stderr.log", "error.log"} {
		if data, err := os.ReadFile(filepath.Join(s.opts.Dir, "logs", name)); err == nil {
			b.Write(data)
		}
	}
	return b.String()
}

func (s *Server) confPath() string { return filepath.Join(s.opts.Dir, "nginx.conf") }
func (s *Server) pidPath() string  { return filepath.Join(s.opts.Dir, "logs", "nginx.pid") }

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
