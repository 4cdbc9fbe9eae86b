package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/nginxrtmp"
)

// Server names as they appear in results.
const (
	RTMPRecd = "rtmprecd"
	Nginx    = "nginx-rtmp"
)

// App is the application every server records, with `record all`.
const App = nginxrtmp.App

// Server is one running server under test.
type Server interface {
	// Addr is the RTMP listen address, 127.0.0.1:PORT.
	Addr() string
	// PIDs lists the server's processes (master first), for /proc.
	PIDs() ([]int, error)
	// Stop stops the server gracefully and waits for it to exit, so that
	// every recording is closed.
	Stop() error
}

// StartFunc starts a server recording into recordDir, with its own files
// (config, logs) under workDir.
type StartFunc func(ctx context.Context, recordDir, workDir string) (Server, error)

// StartNginx starts Debian's nginx with libnginx-mod-rtmp: one worker,
// `record all;`. It fails with the install hint when either is missing.
func StartNginx(ctx context.Context, recordDir, workDir string) (Server, error) {
	s, err := nginxrtmp.Start(ctx, nginxrtmp.Options{RecordDir: recordDir, AppConfig: "record all;", Workers: 1, Dir: workDir})
	if err != nil {
		return nil, err
	}
	// The port accepts as soon as the master has bound it, which can be
	// before it has forked the worker whose CPU we must sample.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		pids, err := s.Processes()
		if err == nil && len(pids) >= 2 {
			return nginxServer{s}, nil
		}
		select {
		case <-ctx.Done():
			s.Stop()
			return nil, fmt.Errorf("bench: nginx worker did not start: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

type nginxServer struct{ *nginxrtmp.Server }

func (s nginxServer) PIDs() ([]int, error) { return s.Processes() }

// daemon is the built rtmprecd binary, started on a generated config.
type daemon struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
	err  error // cmd.Wait's, valid after done
	once sync.Once
}

// listeningRe finds the address rtmprecd logs when it has bound a listener.
var listeningRe = regexp.MustCompile(`listening on ([0-9.]+:[0-9]+)`)

// daemonConfig is rtmprecd's config for the benchmark: the same
// application as nginx-rtmp's, on a port the kernel picks, recording in
// the format under test.
const daemonConfig = `rtmp {
    server {
        listen 127.0.0.1:0;
        application %s {
            live on;
            record all;
            record_path %q;
            %s
        }
    }
}
`

// RTMPRecdStarter returns a StartFunc that runs the rtmprecd binary
// recording in format (a Formats key).
func RTMPRecdStarter(binary, format string) StartFunc {
	return func(ctx context.Context, recordDir, workDir string) (Server, error) {
		return startDaemon(ctx, binary, format, recordDir, workDir)
	}
}

func startDaemon(ctx context.Context, binary, format, recordDir, workDir string) (*daemon, error) {
	conf := filepath.Join(workDir, "rtmprecd.conf")
	lines, err := configLines(format)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf, fmt.Appendf(nil, daemonConfig, App, recordDir, lines), 0o644); err != nil {
		return nil, fmt.Errorf("bench: rtmprecd config: %w", err)
	}
	logf, err := os.Create(filepath.Join(workDir, "rtmprecd.log"))
	if err != nil {
		return nil, fmt.Errorf("bench: rtmprecd log: %w", err)
	}
	cmd := exec.Command(binary, "-c", conf)
	cmd.Dir = workDir
	// Own process group; SIGKILL if the runner dies, so no daemon outlives it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		logf.Close()
		return nil, fmt.Errorf("bench: %w", err)
	}
	cmd.Stdout = logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("bench: start %s: %w", binary, err)
	}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		scanLog(pipe, logf, addrc)
		d.err = cmd.Wait()
		logf.Close()
		close(d.done)
	}()
	select {
	case d.addr = <-addrc:
		return d, nil
	case <-d.done:
		return nil, fmt.Errorf("bench: rtmprecd exited before listening (%v); see %s", d.err, logf.Name())
	case <-ctx.Done():
		d.Stop()
		return nil, fmt.Errorf("bench: rtmprecd not listening: %w", ctx.Err())
	}
}

// scanLog copies the daemon's log to w and sends the first listening
// address to addrc.
func scanLog(r io.Reader, w io.Writer, addrc chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fmt.Fprintln(w, sc.Text())
		if m := listeningRe.FindStringSubmatch(sc.Text()); m != nil {
			select {
			case addrc <- m[1]:
			default:
			}
		}
	}
	io.Copy(w, r) // a line too long for the scanner: keep draining
}

func (d *daemon) Addr() string         { return d.addr }
func (d *daemon) PIDs() ([]int, error) { return []int{d.cmd.Process.Pid}, nil }

// Stop sends SIGTERM (graceful: sessions end, files close) and kills the
// process group if it has not exited within 30 seconds.
func (d *daemon) Stop() error {
	var err error
	d.once.Do(func() {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		t := time.NewTimer(30 * time.Second)
		defer t.Stop()
		select {
		case <-d.done:
			var exit *exec.ExitError
			if errors.As(d.err, &exit) {
				err = fmt.Errorf("bench: rtmprecd: %w", d.err)
			}
		case <-t.C:
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.done
			err = errors.New("bench: rtmprecd did not stop within 30s after SIGTERM; killed")
		}
	})
	return err
}
