package flv

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	flvfile "github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// Tag bodies of the writer tests (their codec does not matter to the
// writer, which copies them; sizes and types do).
func avcPayload(key bool, i int) []byte {
	b := []byte{0x27, 0x01, 0, 0, 40, 0, 0, 0, 6, 0x41, byte(i >> 8), byte(i), 0xAA, 0xBB, 0xCC}
	if key {
		b[0], b[9] = 0x17, 0x65
	}
	return b
}

func aacPayload(i int) []byte {
	return []byte{0xAF, 0x01, 0x21, 0x10, byte(i >> 8), byte(i), 0x04, 0x60, 0x8C, 0x1C}
}

// readFLV reads a file with our strict FLV reader, without its leading
// onMetaData tag.
func readFLV(t *testing.T, path string) *flvfile.File {
	t.Helper()
	f, err := flvfile.ReadFile(path)
	if err != nil {
		t.Fatalf("strict flv read: %v", err)
	}
	if len(f.Tags) > 0 && f.Tags[0].Type == flvfile.TagScript {
		f.Tags = f.Tags[1:]
	}
	return f
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func mustCreate(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "y.flv"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// faults is the switch of a faultySink: while fail is set, a write puts
// only partial of its bytes into the file (as a disk that fills up
// mid-write does) and returns err.
type faults struct {
	mu      sync.Mutex
	fail    bool
	partial int64
	err     error
}

func (f *faults) set(fail bool, partial int64, err error) {
	f.mu.Lock()
	f.fail, f.partial, f.err = fail, partial, err
	f.mu.Unlock()
}

// faultySink is a sink that fails on command.
type faultySink struct {
	format.Sink
	f *faults
}

func (s *faultySink) Writev(bufs [][]byte) (int64, error) {
	s.f.mu.Lock()
	fail, left, ferr := s.f.fail, s.f.partial, s.f.err
	s.f.mu.Unlock()
	if !fail {
		return s.Sink.Writev(bufs)
	}
	var part [][]byte
	for _, b := range bufs {
		n := min(int64(len(b)), left)
		part = append(part, b[:n])
		left -= n
	}
	n, err := s.Sink.Writev(part)
	if err != nil {
		return n, err
	}
	return n, ferr
}

// countSink counts write system calls.
type countSink struct {
	format.Sink
	writes *atomic.Int64
}

func (s countSink) Writev(bufs [][]byte) (int64, error) {
	s.writes.Add(1)
	return s.Sink.Writev(bufs)
}

// Buffering of the writer tests: the recorder's defaults.
const (
	defaultBuffer = 64 << 10
	defaultFlush  = 1e9 // 1s
)

var (
	sps           = []byte{0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x47, 0xFE, 0xC8}
	pps           = []byte{0x68, 0xCE, 0x3C, 0x80}
	aacSeqPayload = []byte{0xAF, 0x00, 0x12, 0x10}
)

// avcSeqPayload is an AVC sequence header with one SPS and one PPS.
func avcSeqPayload(v byte) []byte {
	b := []byte{0x17, 0x00, 0, 0, 0, 0x01, 0x42 + v, 0xC0, 0x1E, 0xFF, 0xE1, 0, byte(len(sps))}
	b = append(b, sps...)
	b = append(b, 0x01, 0, byte(len(pps)))
	return append(b, pps...)
}

// hevcExSeqPayload is an Enhanced RTMP hvc1 SequenceStart with a short
// HEVCDecoderConfigurationRecord.
func hevcExSeqPayload() []byte {
	return []byte{0x90, 'h', 'v', 'c', '1', 0x01, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5D, 0xF0, 0, 0xFC, 0xFD, 0xF8, 0xF8, 0, 0, 0x0F, 0x00}
}
