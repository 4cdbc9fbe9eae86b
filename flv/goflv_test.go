package flv_test

import (
	"path/filepath"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// TestAgreesWithGoFLV checks our strict reader against go-flv on the
// committed clip, an FLV that ffmpeg wrote with onMetaData.
func TestAgreesWithGoFLV(t *testing.T) {
	if n := testmedia.CrossCheckGoFLV(t, filepath.Join("..", "testdata", "clip-1s.flv")); n < 10 {
		t.Fatalf("only %d tags compared", n)
	}
}
