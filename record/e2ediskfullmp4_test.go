package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testenv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
)

// mediaAfterHead is how many bytes of an MP4 or fMP4 file lie after its
// head (ftyp, then the moov or the moov room, then an mdat header).
func mediaAfterHead(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 8 {
		return 0
	}
	off := int64(0)
	for _, want := range []string{"ftyp", ""} {
		if int64(len(b)) < off+8 || want != "" && string(b[off+4:off+8]) != want {
			return 0
		}
		off += int64(binary.BigEndian.Uint32(b[off:]))
	}
	if int64(len(b)) >= off+16 && string(b[off+4:off+8]) == "mdat" {
		off += 16 // the progressive file's 64-bit mdat header
	}
	return int64(len(b)) - off
}

// TestE2EDiskFullMP4: the real server records an mp4 and an fmp4 stream
// onto a 4 MiB tmpfs and a healthy directory; the tmpfs fills up: each
// full-disk recording ends with ENOSPC in its event and its file is left
// valid (the strict box checker and ffprobe accept it, the mp4 has its
// moov in its room and no journal left), the healthy recordings are
// whole, and the server accepts and records a new publisher.
func TestE2EDiskFullMP4(t *testing.T) {
	frames := clipFrames(t, testmedia.AV)
	half := len(frames) / 2
	full, healthy := testenv.Tmpfs(t, "4m"), t.TempDir()
	apps := ""
	for _, f := range []string{"mp4", "fmp4"} {
		apps += fmt.Sprintf("application %s { record all; record_format %s; record_moov_room 2m; record_path %s/%s; }\n", f, f, full, f)
		apps += fmt.Sprintf("  application ok%s { record all; record_format %s; record_path %s/%s; }\n", f, f, healthy, f)
	}
	s := startServerWith(t, apps, nil)
	pubs := map[string]*publisher{}
	for _, app := range []string{"mp4", "fmp4", "okmp4", "okfmp4"} {
		p, err := publishApp(t, s.addr, app, "cam")
		if err != nil {
			t.Fatal(err)
		}
		pubs[app] = p
		p.send(t, frames[:half]...)
	}
	for _, f := range []string{"mp4", "fmp4"} {
		p := filepath.Join(full, f, "cam.mp4")
		deadline := time.Now().Add(10 * time.Second)
		for mediaAfterHead(p) <= 4<<10 {
			if time.Now().After(deadline) {
				t.Fatalf("%s holds no media after 10 s:\n%s", p, s.logs)
			}
			runtimeGosched()
		}
	}
	fill(t, filepath.Join(full, "filler"))
	for _, p := range pubs {
		p.send(t, frames[half:]...)
	}
	for _, ev := range s.wait(t, 2) {
		if !errors.Is(ev.Err, syscall.ENOSPC) || ev.Reason != ReasonError {
			t.Fatalf("event %+v", ev)
		}
		checkValidMP4(t, ev.Path)
		if ev.Size != fileSize(t, ev.Path) {
			t.Fatalf("%s: event size %d, file %d", ev.Path, ev.Size, fileSize(t, ev.Path))
		}
	}
	for _, app := range []string{"okmp4", "okfmp4"} {
		pubs[app].c.DeleteStream(pubs[app].sid)
	}
	for _, ev := range s.wait(t, 2) {
		if ev.Err != nil {
			t.Fatalf("healthy recording: %+v", ev)
		}
		if n := len(checkValidMP4(t, ev.Path)); n != len(testmedia.Packets(t, testmedia.ClipVariant(t, testmedia.AV))) {
			t.Fatalf("%s: %d packets, the clip has more", ev.Path, n)
		}
	}
	c, err := publishApp(t, s.addr, "okfmp4", "other")
	if err != nil {
		t.Fatalf("server refuses a new publisher: %v", err)
	}
	c.send(t, frames...)
	c.c.DeleteStream(c.sid)
	if ev := s.wait(t, 1)[0]; ev.Err != nil || ev.VideoFrames == 0 {
		t.Fatalf("new recording: %+v", ev)
	}
}

// checkValidMP4 checks a finished recording with the strict box checker
// and ffprobe and returns its packets.
func checkValidMP4(t *testing.T, path string) []testmedia.Packet {
	t.Helper()
	if _, err := mp4check.File(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mp4.JournalPath(path)); !os.IsNotExist(err) {
		t.Fatalf("%s: journal left (%v)", path, err)
	}
	if w := testmedia.OpenWarnings(t, path); w != "" {
		t.Fatalf("%s: ffmpeg warns: %s", path, w)
	}
	pk := testmedia.Packets(t, path)
	if len(pk) == 0 {
		t.Fatalf("%s: no packets", path)
	}
	return pk
}
