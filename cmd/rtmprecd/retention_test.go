package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
	"github.com/rtmprecd/rtmprecd/internal/testenv"
	"github.com/rtmprecd/rtmprecd/retention"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// TestMinFreeOnTmpfsWhileRecording fills an 8 MiB tmpfs with a fast
// publisher (our client, 32 KiB key frames every 10 ms, 512 KiB files):
// record_min_free removes the oldest files at once, long before the
// hour-long cleanup interval, and the stream records on without a break.
func TestMinFreeOnTmpfsWhileRecording(t *testing.T) {
	dir := testenv.Tmpfs(t, "8m")
	db := filepath.Join(t.TempDir(), ".index.db")
	d := startDaemon(t, fmt.Sprintf(`record_index %s;
rtmp { server { listen 127.0.0.1:0; application live {
	record all; record_path %s; record_unique on; record_max_size 512k; record_min_free 3m;
} } }`, db, dir))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, d.addr, client.Options{ChunkSize: 65536})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Connect(ctx, "live", "rtmp://"+d.addr+"/live", nil); err != nil {
		t.Fatal(err)
	}
	id, _, err := c.StartPublish(ctx, "cam", "live")
	if err != nil {
		t.Fatal(err)
	}
	frame := bigKeyFrame(32 << 10)
	if err := c.WriteMedia(chunk.TypeVideo, id, 0, avcHeader); err != nil {
		t.Fatal(err)
	}
	var lowest uint64 = 1 << 62
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	const frames = 750 // 24 MiB: three times the filesystem
	for i := range frames {
		if err := c.WriteMedia(chunk.TypeVideo, id, uint64(i*40), frame); err != nil {
			t.Fatalf("publisher broke at frame %d: %v\n%s", i, err, d.log())
		}
		if i%10 == 0 {
			if st, err := retention.Statfs(dir); err == nil {
				lowest = min(lowest, st.Avail)
			}
		}
		<-tick.C
	}
	if err := c.StopPublish(id, "cam"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitStatus(ctx, "NetStream.Unpublish.Success"); err != nil {
		t.Fatalf("stream did not go on to a clean unpublish: %v\n%s", err, d.log())
	}
	d.waitLog(t, "rule=min_free", 1)
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitFor(t, 20*time.Second, "the last file's row to close", func() bool {
		rows, _, _ := s.List(ctx, index.Query{Status: index.StatusRecording, Size: 10})
		return len(rows) == 0
	})
	deleted, _, _ := s.List(ctx, index.Query{Status: index.StatusDeleted, Size: 1000})
	done, _, _ := s.List(ctx, index.Query{Status: index.StatusDone, Size: 1000})
	failed, _, _ := s.List(ctx, index.Query{Status: index.StatusFailed, Size: 1000})
	for _, r := range deleted {
		if r.RemovedBy != retention.RuleMinFree {
			t.Errorf("row %s removed by %q", r.Path, r.RemovedBy)
		}
	}
	// 24 MiB through 512 KiB files on 8 MiB: most had to go, oldest first
	if len(deleted) < 20 || len(failed) > 0 {
		t.Errorf("%d deleted, %d done, %d failed; want ≥ 20 deleted, none failed\n%s", len(deleted), len(done), len(failed), d.log())
	}
	for _, old := range deleted {
		for _, kept := range done {
			if kept.Start.Before(old.Start) {
				t.Errorf("kept %s (start %v) but removed the newer %s", kept.Path, kept.Start, old.Path)
			}
		}
	}
	t.Logf("%d files removed, %d kept, lowest free %d KiB of the 3072 KiB floor", len(deleted), len(done), lowest>>10)
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d\n%s", code, d.log())
	}
}

// bigKeyFrame is an AVC key frame whose one NAL unit is n bytes.
func bigKeyFrame(n int) []byte {
	b := make([]byte, 9+n)
	copy(b, []byte{0x17, 0x01, 0, 0, 0})
	binary.BigEndian.PutUint32(b[5:], uint32(n))
	b[9] = 0x65
	return b
}
