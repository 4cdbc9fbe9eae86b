package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// maxStderr is how much of a command's stderr is kept for the log: the
// tail, where the error usually is.
const maxStderr = 4 << 10

// waitDelay bounds how long a reaped command's stderr pipe is drained when
// a grandchild it started keeps the pipe open.
const waitDelay = time.Second

// runAll starts cmds one after the other (each runs on its own) with vars.
func (m *Module) runAll(cmds []conf.Command, vars map[string]string, timeout time.Duration, log *slog.Logger, directive string) {
	for _, c := range cmds {
		m.run(c, vars, timeout, log.With("directive", directive, "at", c.Pos.FileLine(), "stream", vars["name"]))
	}
}

// run starts one exec_* command as nginx-rtmp does: no shell, the first
// word is the program (looked up in PATH, never expanded), every other
// word is expanded or, when it is a redirection, applied and dropped.
// stdin and stdout default to /dev/null; stderr is logged. The child is
// reaped on its own goroutine; a timeout > 0 kills it.
func (m *Module) run(c conf.Command, vars map[string]string, timeout time.Duration, log *slog.Logger) {
	prog := c.Args[0]
	stderr := &tailBuffer{}
	fds, opened, args, err := prepare(c.Args[1:], vars)
	defer closeAll(opened)
	if err != nil {
		log.Error("exec: not started", "cmd", prog, "err", err)
		m.observeExec(execNotStarted)
		return
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.WaitDelay = waitDelay
	applyFDs(cmd, fds, stderr)
	if err := cmd.Start(); err != nil {
		cancel()
		log.Error("exec: not started", "cmd", prog, "err", err)
		m.observeExec(execNotStarted)
		return
	}
	log.Info("exec started", "cmd", prog, "args", args, "pid", cmd.Process.Pid)
	m.busyAdd(1)
	go func() {
		defer m.busyAdd(-1)
		defer cancel()
		m.reap(cmd, ctx, timeout, stderr, log)
	}()
}

// reap waits for the child and logs how it ended, with its stderr.
func (m *Module) reap(cmd *exec.Cmd, ctx context.Context, timeout time.Duration, stderr *tailBuffer, log *slog.Logger) {
	err := cmd.Wait()
	attrs := []any{"cmd", cmd.Args[0], "pid", cmd.Process.Pid}
	if s := stderr.String(); s != "" {
		attrs = append(attrs, "stderr", s)
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		m.observeExec(execTimeout)
		log.Warn("exec killed after exec_timeout", append(attrs, "timeout", timeout)...)
	case err != nil:
		m.observeExec(execFailed)
		log.Warn("exec failed", append(attrs, "err", err)...)
	case stderr.String() != "":
		m.observeExec(execOK)
		log.Warn("exec wrote to stderr", attrs...)
	default:
		m.observeExec(execOK)
		log.Info("exec done", attrs...)
	}
}

// fdTarget is what one child descriptor gets: a file, the logged stderr
// buffer, or /dev/null (the zero value).
type fdTarget struct {
	f   *os.File
	log bool
}

// prepare splits words into arguments and redirections. Redirections are
// recognised on the word as written, before expansion, so a stream name
// such as ">x" can never become one; their targets are expanded.
func prepare(words []string, vars map[string]string) (fds map[int]fdTarget, opened []*os.File, args []string, err error) {
	fds = map[int]fdTarget{2: {log: true}}
	for _, w := range words {
		r, ok := parseRedirect(w)
		if !ok {
			args = append(args, expand(w, vars))
			continue
		}
		if r.dup >= 0 {
			fds[r.fd] = fds[r.dup]
			continue
		}
		path := expand(r.path, vars)
		if path == "" {
			return fds, opened, nil, fmt.Errorf("redirection %q: empty file name", w)
		}
		f, err := os.OpenFile(path, r.flags, 0o644)
		if err != nil {
			return fds, opened, nil, fmt.Errorf("redirection %q: %w", w, err)
		}
		opened = append(opened, f)
		fds[r.fd] = fdTarget{f: f}
	}
	return fds, opened, args, nil
}

// applyFDs gives the child its descriptors; numbers above 2 not
// redirected stay closed, as nginx closes every other descriptor.
func applyFDs(cmd *exec.Cmd, fds map[int]fdTarget, stderr *tailBuffer) {
	top := 2
	for fd := range fds {
		top = max(top, fd)
	}
	if t := fds[0]; t.f != nil {
		cmd.Stdin = t.f
	}
	cmd.Stdout = fds[1].writer(stderr)
	cmd.Stderr = fds[2].writer(stderr)
	for fd := 3; fd <= top; fd++ {
		cmd.ExtraFiles = append(cmd.ExtraFiles, fds[fd].f) // nil: closed
	}
}

// writer is the io.Writer for an output descriptor; nil means /dev/null.
func (t fdTarget) writer(stderr *tailBuffer) io.Writer {
	switch {
	case t.f != nil:
		return t.f
	case t.log:
		return stderr
	}
	return nil
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

// redirection is one parsed redirection word.
type redirection struct {
	fd    int
	dup   int // >= 0: N>&M makes fd a copy of M
	path  string
	flags int
}

// parseRedirect recognises nginx-rtmp's redirections: >file, >>file,
// N>file, N>>file, <file, N<file and N>&M (N a single digit).
func parseRedirect(w string) (redirection, bool) {
	r := redirection{fd: -1, dup: -1}
	i := 0
	if i < len(w) && w[i] >= '0' && w[i] <= '9' {
		r.fd, i = int(w[i]-'0'), 1
	}
	if i >= len(w) {
		return r, false
	}
	switch w[i] {
	case '>':
		i++
		r.flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if i < len(w) && w[i] == '>' {
			i++
			r.flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		if r.fd < 0 {
			r.fd = 1
		}
	case '<':
		i++
		r.flags = os.O_RDONLY
		if r.fd < 0 {
			r.fd = 0
		}
	default:
		return r, false
	}
	if i < len(w) && w[i] == '&' {
		n, err := strconv.Atoi(w[i+1:])
		if err != nil || n < 0 || n > 9 {
			return r, false
		}
		r.dup = n
		return r, true
	}
	r.path = w[i:]
	return r, true
}

// tailBuffer keeps the last maxStderr bytes written to it.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - maxStderr; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
