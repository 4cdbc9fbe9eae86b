package repair

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/fmp4"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
)

func TestMain(m *testing.M) { testmedia.Main(m) }

// formats are the repairable formats by name.
var formats = map[string]format.Format{"mp4": mp4.Format{}, "fmp4": fmp4.Format{}}

// writeRecording records the FLV clip at clip into path with the named
// format, as the recorder does (sequence starts first, then frames on the
// clip's timeline), flushes it, and returns the open muxer: the caller
// closes it, or crashes by copying the file as it is (crashCopy).
func writeRecording(t *testing.T, name, clip, path string, o format.Options) format.Muxer {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	file, err := flv.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	var p media.Parser
	o.Path, o.Video, o.Audio, o.Codec = path, true, true, p.State()
	if o.Buffer == 0 {
		o.Buffer, o.FlushPeriod, o.Now = 64<<10, time.Second, time.Now
	}
	var m format.Muxer
	for _, tg := range file.Tags {
		if tg.Type == flv.TagScript {
			continue
		}
		fr := p.Media(tg.Type, int64(tg.Timestamp), tg.Data)
		if fr.Err != nil {
			t.Fatalf("clip tag: %v", fr.Err)
		}
		if m == nil { // open once the first headers are known, as lazy open does
			o.Codec = p.State()
			op, err := formats[name].Open(format.NewOSSink(f), o)
			if err != nil {
				t.Fatal(err)
			}
			m = op.Muxer
		}
		for i := range fr.Units {
			u := &fr.Units[i]
			if err := m.Write(format.Sample{Track: u.Track, Unit: u, Time: int64(tg.Timestamp), Key: fr.Keyframe}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	return m
}

// crashCopy copies the recording at src, and its journal if any, to a new
// name in dir: what a kill -9 leaves on disk after the last flush.
func crashCopy(t testing.TB, src, dir, name string) string {
	t.Helper()
	dst := filepath.Join(dir, name)
	copyFile(t, src, dst)
	if _, err := os.Stat(mp4.JournalPath(src)); err == nil {
		copyFile(t, mp4.JournalPath(src), mp4.JournalPath(dst))
	}
	return dst
}

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
}

// checkPlays checks a finished file with our strict box checker and
// ffprobe, and returns ffprobe's packets.
func checkPlays(t *testing.T, path string) []testmedia.Packet {
	t.Helper()
	if _, err := mp4check.File(path); err != nil {
		t.Fatalf("box check: %v", err)
	}
	if w := testmedia.OpenWarnings(t, path); w != "" {
		t.Fatalf("ffmpeg warns about %s: %s", path, w)
	}
	return testmedia.Packets(t, path)
}
