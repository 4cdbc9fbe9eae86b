package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// TestRecordingReadsWithGoFLV records ffmpeg's clip and reads the file with
// go-flv, a reader written independently of ours: it must see the same
// tags and the same onMetaData duration and filesize (our AMF0 and the
// in-place metadata patch checked by someone else's decoder).
func TestRecordingReadsWithGoFLV(t *testing.T) {
	clip := testmedia.Clip(t)
	dir := t.TempDir()
	addr, stop := startRTMPRecd(t, fmt.Sprintf(`rtmp { server { listen 127.0.0.1:0;
        application live { record all; record_path %s; } } }`, dir))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := testmedia.Publish(ctx, t, clip, "rtmp://"+addr+"/live/cam1", false); err != nil {
		t.Fatal(err)
	}
	stop()
	path := filepath.Join(dir, "cam1.flv")
	sum, err := flv.Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Metadata["filesize"] == nil || sum.Metadata["duration"] == nil {
		t.Fatalf("no finished onMetaData in %s: %v", path, sum.Metadata)
	}
	if n := testmedia.CrossCheckGoFLV(t, path); n != sum.Audio+sum.Video+sum.Script {
		t.Fatalf("go-flv compared %d tags, the file has %d", n, sum.Audio+sum.Video+sum.Script)
	}
}
