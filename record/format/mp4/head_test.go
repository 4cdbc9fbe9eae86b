package mp4

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// memFile is a File in memory; Allocate fails when noAllocate is set, as
// on a file system without fallocate.
type memFile struct {
	b          []byte
	off        int64
	noAllocate bool
	allocated  int64
}

func (f *memFile) Writev(bufs [][]byte) (int64, error) {
	var n int64
	for _, b := range bufs {
		f.WriteAt(b, f.off)
		f.off += int64(len(b))
		n += int64(len(b))
	}
	return n, nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	if end := off + int64(len(p)); end > int64(len(f.b)) {
		f.b = append(f.b, make([]byte, end-int64(len(f.b)))...)
	}
	return copy(f.b[off:], p), nil
}

func (f *memFile) Truncate(size int64) error { f.b = f.b[:size]; return nil }
func (f *memFile) Datasync() error           { return nil }

func (f *memFile) Allocate(off, n int64) error {
	if f.noAllocate {
		return errors.New("operation not supported")
	}
	f.allocated += n
	f.WriteAt(make([]byte, n), off)
	return nil
}

func (f *memFile) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekEnd {
		return 0, errors.New("only SeekEnd")
	}
	f.off = int64(len(f.b)) + off
	return f.off, nil
}

// TestWriteHeadRoom: the file head is head, the room's zeros, then the
// tail, whether the room is allocated (fallocate) or written (file
// systems without it, and rooms larger than the shared zero block).
func TestWriteHeadRoom(t *testing.T) {
	head, tail := []byte("HEAD"), []byte("TAIL")
	for _, tc := range []struct {
		name       string
		noAllocate bool
		room       int64
	}{
		{"allocated", false, 3 << 20},
		{"written", true, 3<<20 + 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &memFile{noAllocate: tc.noAllocate}
			n, err := writeHead(f, head, tc.room, tail)
			want := append(append(append([]byte{}, head...), make([]byte, tc.room)...), tail...)
			if err != nil || n != int64(len(want)) || !bytes.Equal(f.b, want) {
				t.Fatalf("wrote %d bytes (%v), file %d bytes; want %d", n, err, len(f.b), len(want))
			}
			if wantAlloc := map[bool]int64{false: tc.room, true: 0}[tc.noAllocate]; f.allocated != wantAlloc {
				t.Fatalf("allocated %d, want %d", f.allocated, wantAlloc)
			}
		})
	}
}
