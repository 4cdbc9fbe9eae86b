package hls

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// errInjected is the failure a faultDir injects.
var errInjected = errors.New("injected failure")

// faultDir is a real directory whose Rename fails on command: a crash or
// an error between writing the new playlist and renaming it.
type faultDir struct {
	format.Dir
	mu         sync.Mutex
	failRename bool
}

func (d *faultDir) Rename(from, to string) error {
	d.mu.Lock()
	fail := d.failRename
	d.mu.Unlock()
	if fail {
		return errInjected
	}
	return d.Dir.Rename(from, to)
}

func openDir(t testing.TB) (format.Dir, string) {
	t.Helper()
	p := t.TempDir()
	d, err := format.OpenOSDir(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, p
}

// Realistic FLV bodies: an AVC sequence header with one SPS and PPS, an
// AVC frame, an AAC sequence header and frame.
var (
	sps = []byte{0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x47, 0xFE, 0xC8}
	pps = []byte{0x68, 0xCE, 0x3C, 0x80}
)

func avcSeq() []byte {
	b := []byte{0x17, 0x00, 0, 0, 0, 0x01, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, byte(len(sps))}
	b = append(b, sps...)
	b = append(b, 0x01, 0, byte(len(pps)))
	return append(b, pps...)
}

func avcFrame(key bool, i int) []byte {
	b := []byte{0x27, 0x01, 0, 0, 0, 0, 0, 0, 6, 0x41, byte(i >> 8), byte(i), 0xAA, 0xBB, 0xCC}
	if key {
		b[0], b[9] = 0x17, 0x65
	}
	return b
}

var aacSeq = []byte{0xAF, 0x00, 0x12, 0x10}

func aacFrame(i int) []byte {
	return []byte{0xAF, 0x01, 0x21, 0x10, byte(i >> 8), byte(i), 0x04, 0x60, 0x8C, 0x1C}
}

// feeder classifies FLV bodies into samples as the recorder hands them.
type feeder struct {
	t testing.TB
	p media.Parser
	m format.Muxer
}

func (f *feeder) feed(typ uint8, ms int64, body []byte) {
	f.t.Helper()
	fr := f.p.Media(typ, ms, body)
	if len(fr.Units) == 0 {
		f.t.Fatalf("frame at %d did not classify: %v", ms, fr.Err)
	}
	u := &fr.Units[0]
	if err := f.m.Write(format.Sample{Track: u.Track, Unit: u, Time: ms, Key: fr.Keyframe}); err != nil {
		f.t.Fatal(err)
	}
}

// openMuxer starts an HLS recording in a new temporary directory.
func openMuxer(t testing.TB, f Format, now time.Time) (format.Muxer, string) {
	t.Helper()
	d, p := openDir(t)
	lock, err := d.Create(format.LockName)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := format.OpenOSDir(p)
	if err != nil {
		t.Fatal(err)
	}
	op, err := f.Open(lock, format.Options{Dir: dir, Now: func() time.Time { return now }, Path: p})
	if err != nil {
		t.Fatal(err)
	}
	return op.Muxer, p
}

func readParsed(t testing.TB, path string) *Playlist {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return p
}
