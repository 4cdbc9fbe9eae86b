package nginxrtmp

import (
	"context"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testenv"
)

// Require fails the test under CI=true when nginx-rtmp is not available
// (CI installs it, so it must never pass by skipping), and skips it
// otherwise, saying how to install it.
func Require(t testing.TB) {
	t.Helper()
	testenv.Need(t, "nginx-rtmp", Available())
}

// StartTest is Start for tests: it calls Require, puts the prefix and (when
// opts.RecordDir is empty) the record directory in t.TempDir()s, and stops
// the instance at cleanup. When the test failed, nginx's error log is
// logged.
func StartTest(t testing.TB, opts Options) *Server {
	t.Helper()
	Require(t)
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.RecordDir == "" {
		opts.RecordDir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStartTimeout)
	defer cancel()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("start nginx-rtmp: %v", err)
	}
	t.Cleanup(func() {
		if s.stopCalled.Load() {
			s.Stop() // waits for a Stop still running elsewhere; its caller saw the error
		} else if err := s.Stop(); err != nil {
			t.Errorf("stop nginx-rtmp: %v", err)
		}
		if t.Failed() {
			t.Logf("nginx error log (%s):\n%s", s.ErrorLogPath(), tail(s.ErrorLog(), 8000))
		}
	})
	return s
}
