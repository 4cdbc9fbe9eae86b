package e2e

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// TestMain removes the shared test clips once every test has run.
func TestMain(m *testing.M) { testmedia.Main(m) }
