package notify

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
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
// logged. The child is reaped on its own goroutine, which frees the slot;
// a timeout > 0 kills it. It reports whether the child started.
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
	if err := cmd.Start(); err != nil {
		cancel()
		m.notStarted(j, err)
		return false
	}
	j.log.Info("exec started", "cmd", prog, "args", args, "pid", cmd.Process.Pid)
	go func() {
		defer m.finished()
		defer cancel()
		m.reap(cmd, ctx, j.timeout, stderr, j.log)
	}()
	return true
}

func (m *Module) notStarted(j *execJob, err error) {
	j.log.Error("exec: not started", "cmd", j.cmd.Args[0], "err", err)
	m.observeExec(execNotStarted)
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
