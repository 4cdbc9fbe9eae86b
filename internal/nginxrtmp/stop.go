package nginxrtmp

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Stop shuts the instance down gracefully with SIGQUIT, so the worker
// closes its sessions and record files, and waits for the master to exit.
// After StopTimeout, or once the master is gone, it kills whatever is left
// of the process group. A temporary prefix directory is removed; RecordDir
// is left alone unless it lies inside that prefix. Stop is idempotent and
// safe to call from several goroutines.
func (s *Server) Stop() error {
	s.stopCalled.Store(true)
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	defer s.cleanupDir()
	if err := s.cmd.Process.Signal(syscall.SIGQUIT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.kill()
		return fmt.Errorf("nginxrtmp: signal quit: %w", err)
	}
	timer := time.NewTimer(s.opts.StopTimeout)
	defer timer.Stop()
	select {
	case <-s.done:
		s.kill() // no-op unless a worker outlived its master
		if s.waitErr != nil {
			return fmt.Errorf("nginxrtmp: nginx exit: %w: %s", s.waitErr, tail(s.ErrorLog(), 2000))
		}
		return nil
	case <-timer.C:
		s.kill()
		return fmt.Errorf("nginxrtmp: graceful stop took over %v; killed: %s", s.opts.StopTimeout, tail(s.ErrorLog(), 2000))
	}
}

// kill ends the instance without waiting for sessions: SIGKILL to the
// workers first, while the master (told to quit, so it does not respawn
// them) is alive to reap them, since orphaned zombies would linger until
// init reaps them; then SIGKILL to whatever is left of the process group.
func (s *Server) kill() {
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		if pids, err := s.Processes(); err == nil {
			for _, pid := range pids[1:] {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		timer := time.NewTimer(2 * time.Second)
		select {
		case <-s.done:
		case <-timer.C:
		}
		timer.Stop()
	}
	// The group id is the master's pid (Setpgid); it cannot be reused
	// while any member of the group is alive. ESRCH just means all gone.
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

func (s *Server) cleanupDir() {
	if s.ownDir {
		os.RemoveAll(s.opts.Dir)
	}
}

// Processes returns the master's pid followed by its children's (the
// workers and, if any, cache processes), read from /proc, for CPU and RSS
// sampling. Workers that have not started yet are missing.
func (s *Server) Processes() ([]int, error) {
	master := s.PID()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("nginxrtmp: processes: %w", err)
	}
	pids := []int{master}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == master {
			continue
		}
		if ppid, ok := parentOf(pid); ok && ppid == master {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// parentOf reads the parent pid from /proc/PID/stat; the command name in
// parentheses may hold spaces, so the fields after its last ')' are used.
func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(fields[1])
	return ppid, err == nil
}
