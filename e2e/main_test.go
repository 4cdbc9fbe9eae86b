package e2e

import (
	"os"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// TestMain removes the shared test clips once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	testmedia.Cleanup()
	os.Exit(code)
}
