package load

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/bench/benchtest"
)

// startServer runs our server in-process, recording into dir; stop waits
// for the files to be closed.
func startServer(t *testing.T, dir string) (addr string, stop func()) {
	t.Helper()
	s, err := benchtest.Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	stop = func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}
	t.Cleanup(stop)
	return s.Addr(), stop
}
