package flv

import (
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// TestFLVWriterCutsPartialTag: a write that fails midway, in the buffered
// tags or in a large tag written in place, leaves the file ending at its
// last whole tag.
func TestFLVWriterCutsPartialTag(t *testing.T) {
	big := make([]byte, 100<<10)
	for _, partial := range []int64{0, 5, 11 + 4 + 10, 11 + 15 + 4 + 3, 200, 70 << 10} {
		p := filepath.Join(t.TempDir(), "x.flv")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		ctl := &faults{}
		w, err := newFLVWriter(&faultySink{format.NewOSSink(f), ctl}, flvOptions{limit: 1024, period: defaultFlush})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 8 {
			if err := w.write(tag{Type: media.TypeAudio, Time: int64(i), Payload: aacPayload(i)}); err != nil {
				t.Fatal(err)
			}
		}
		ctl.set(true, partial, syscall.ENOSPC)
		if err := w.write(tag{Type: media.TypeVideo, Time: 9, Payload: big}); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("partial %d: write error %v", partial, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		fl := readFLV(t, p)
		if fileSize(t, p) != w.Size() {
			t.Fatalf("partial %d: size %d, writer says %d", partial, fileSize(t, p), w.Size())
		}
		if want := min(int(partial)/25, 8); len(fl.Tags) != want {
			t.Fatalf("partial %d: %d tags, want %d", partial, len(fl.Tags), want)
		}
	}
	w, _ := newFLVWriter(format.NewOSSink(mustCreate(t)), flvOptions{limit: 1024})
	if err := w.write(tag{Type: media.TypeVideo, Time: maxTS + 1}); err == nil {
		t.Fatal("timestamp past 32 bits accepted")
	}
}

// TestLargeTagInPlaceKeepsTheBuffer: a tag larger than the buffer goes
// out with the buffered tags in one write, without growing the buffer.
func TestLargeTagInPlaceKeepsTheBuffer(t *testing.T) {
	var writes atomic.Int64
	w, err := newFLVWriter(countSink{format.NewOSSink(mustCreate(t)), &writes}, flvOptions{limit: 4096, period: defaultFlush})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.write(tag{Type: media.TypeAudio, Time: 0, Payload: aacPayload(0)}); err != nil {
		t.Fatal(err)
	}
	w0 := writes.Load()
	if err := w.write(tag{Type: media.TypeVideo, Time: 40, Payload: make([]byte, 10000)}); err != nil {
		t.Fatal(err)
	}
	if n := writes.Load() - w0; n != 1 {
		t.Fatalf("%d writes, want 1", n)
	}
	if c := cap(w.buf); c != 4096 {
		t.Fatalf("buffer capacity %d, want 4096", c)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
