package notify

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// waitDelay bounds how long a reaped command's stderr pipe is drained when
// a grandchild it started keeps the pipe open.
const waitDelay = time.Second

// runAll submits cmds in order (each runs on its own once a slot is free)
// with vars.
func (m *Module) runAll(cmds []conf.Command, vars map[string]string, timeout time.Duration, log *slog.Logger, directive string) {
	attrs := []any{"directive", directive, "stream", vars["name"]}
	if p := vars["path"]; p != "" {
		attrs = append(attrs, "path", p) // the file a dropped or failed command did not process
	}
	for _, c := range cmds {
		m.submit(&execJob{cmd: c, vars: vars, timeout: timeout, log: log.With(append(attrs, "at", c.Pos.FileLine())...)})
	}
}

// start runs one exec_* command in the slot take gave it, as nginx-rtmp
// does: no shell, the first word is the program (looked up in PATH, never
// expanded), every other word is expanded or, when it is a redirection,
// applied and dropped. stdin and stdout default to /dev/null; stderr is
// kept for the log. The child is reaped on its own goroutine, which frees
// the slot; a timeout > 0 kills it. It reports whether the child started.
func (m *Module) start(j *execJob) bool {
	prog := j.cmd.Args[0]
	stderr := &tailBuffer{}
	fds, opened, args, err := prepare(j.cmd.Args[1:], j.vars)
	defer closeAll(opened)
	if err != nil {
		m.notStarted(j, err)
		return false
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if j.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, j.timeout)
	}
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.WaitDelay = waitDelay
	applyFDs(cmd, fds, stderr)
	began := time.Now()
	if err := cmd.Start(); err != nil {
		cancel()
		m.notStarted(j, err)
		return false
	}
	j.log.Debug("exec started", "cmd", prog, "args", args, "pid", cmd.Process.Pid)
	go func() {
		defer m.finished()
		defer cancel()
		err := cmd.Wait()
		m.report(j, cmd, err, errors.Is(ctx.Err(), context.DeadlineExceeded), time.Since(began), stderr)
	}()
	return true
}

func (m *Module) notStarted(j *execJob, err error) {
	j.log.Error("exec: not started", "cmd", j.cmd.Args[0], "err", err)
	m.observeExec(execNotStarted)
}

// report logs how a child ended in one line: INFO with its exit status and
// duration when it succeeded (its stderr, such as ffmpeg's banner, is
// noise then), WARN with the tail of its stderr when it failed, was
// killed or timed out.
func (m *Module) report(j *execJob, cmd *exec.Cmd, err error, timedOut bool, took time.Duration, stderr *tailBuffer) {
	attrs := []any{"cmd", cmd.Args[0], "pid", cmd.Process.Pid, "duration", took.Round(time.Millisecond)}
	st := cmd.ProcessState
	if st != nil && st.Success() { // whatever the clock says after it exited
		m.observeExec(execOK)
		if err != nil { // exited 0, but a grandchild held stderr open past waitDelay
			attrs = append(attrs, "err", err)
		}
		j.log.Info("exec done", append(attrs, "status", 0)...)
		return
	}
	if tail := stderr.String(); tail != "" {
		attrs = append(attrs, "stderr", tail)
	}
	switch ws, ok := waitStatus(st); {
	case timedOut:
		m.observeExec(execTimeout)
		j.log.Warn("exec killed after exec_timeout", append(attrs, "timeout", j.timeout)...)
	case ok && ws.Signaled():
		m.observeExec(execFailed)
		j.log.Warn("exec killed by a signal", append(attrs, "signal", ws.Signal().String())...)
	case st != nil:
		m.observeExec(execFailed)
		j.log.Warn("exec failed", append(attrs, "status", st.ExitCode())...)
	default:
		m.observeExec(execFailed)
		j.log.Warn("exec failed", append(attrs, "err", err)...)
	}
}

// waitStatus is the Unix wait status of a finished child.
func waitStatus(st *os.ProcessState) (syscall.WaitStatus, bool) {
	if st == nil {
		return 0, false
	}
	ws, ok := st.Sys().(syscall.WaitStatus)
	return ws, ok
}
