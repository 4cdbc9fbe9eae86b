package chunk

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
)

// setChunkSize is a SetChunkSize message (csid 2, fmt 0) announcing n.
func setChunkSize(n uint32) []byte {
	return cat([]byte{0x02, 0, 0, 0, 0, 0, 4, TypeSetChunkSize, 0, 0, 0, 0}, []byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHugeChunkSizeThenHugeMessage(t *testing.T) {
	// SetChunkSize 2^31−1, then a header claiming 16 MB (with 64 KiB of it
	// sent) against a 1 MB limit: refused before anything is buffered.
	in := cat(setChunkSize(MaxChunkSize), []byte{0x03, 0, 0, 0, 0xFF, 0xFF, 0xFF, TypeVideo, 1, 0, 0, 0}, make([]byte, 64<<10))
	var err error
	n := allocated(func() { _, err = readAll(t, in, 1<<20) })
	if !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("err = %v, want ErrMessageTooLarge", err)
	}
	if n > 128<<10 {
		t.Errorf("allocated %d bytes refusing a 16 MB message", n)
	}
}

func TestAnnouncedSizeNotPreallocated(t *testing.T) {
	// A 1 MB message within the limit, huge chunk size, 10 bytes sent:
	// the reassembly buffer follows the bytes received, not the header.
	in := cat(setChunkSize(MaxChunkSize), []byte{0x03, 0, 0, 0, 0x10, 0, 0, TypeVideo, 1, 0, 0, 0}, make([]byte, 10))
	var err error
	n := allocated(func() { _, err = readAll(t, in, 1<<20) })
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want ErrUnexpectedEOF", err)
	}
	if n > 128<<10 {
		t.Errorf("allocated %d bytes for 10 bytes of a 1 MB message", n)
	}
}

func TestChunkSizeApplied(t *testing.T) {
	// The top bit is reserved: 0x80001000 means 4096.
	payload := string(bytes.Repeat([]byte{'p'}, 300))
	in := cat(setChunkSize(0x80001000), []byte{0x03, 0, 0, 0, 0, 0x01, 0x2C, TypeVideo, 1, 0, 0, 0}, payload)
	got, err := readAll(t, in, 0)
	if err != io.EOF {
		t.Fatalf("err = %v", err)
	}
	sameMessages(t, got, []Message{{CSID: 2, Type: TypeSetChunkSize, Payload: []byte{0x80, 0, 0x10, 0}}, msg(3, 9, 1, 0, payload)})
	for _, bad := range [][]byte{setChunkSize(0), setChunkSize(0x80000000), {0x02, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 1}} {
		if _, err := readAll(t, bad, 0); !errors.Is(err, ErrBadControl) {
			t.Errorf("%x: err = %v, want ErrBadControl", bad, err)
		}
	}
}

func TestMessageOverLimit(t *testing.T) {
	in := cat([]byte{0x03, 0, 0, 0, 0, 0x04, 0x01, TypeVideo, 1, 0, 0, 0}, make([]byte, 1025))
	if _, err := readAll(t, in, 1024); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("err = %v, want ErrMessageTooLarge", err)
	}
	var buf bytes.Buffer
	NewWriter(&buf, 0).WriteMessage(&Message{CSID: 3, Type: TypeVideo, Payload: make([]byte, 1024)})
	got, err := readAll(t, buf.Bytes(), 1024)
	if err != io.EOF || len(got) != 1 {
		t.Fatalf("message at the limit: %d messages, err %v", len(got), err)
	}
}

func TestTooManyStreams(t *testing.T) {
	var in []byte
	for csid := 3; csid < 3+5000; csid++ {
		in = append(in, appendBasic(nil, 0, uint32(csid))...)
		in = append(in, 0, 0, 0, 0, 0, 0, TypeAudio, 1, 0, 0, 0)
	}
	got, err := readAll(t, in, 0)
	if !errors.Is(err, ErrTooManyStreams) {
		t.Fatalf("err = %v, want ErrTooManyStreams", err)
	}
	if len(got) != MaxStreams {
		t.Errorf("read %d messages before the cap, want %d", len(got), MaxStreams)
	}
}

func TestAbort(t *testing.T) {
	long := string(bytes.Repeat([]byte{'a'}, 128))
	// A partial 200-byte message on csid 4, an Abort for csid 4, then a
	// fresh message on csid 4.
	in := cat(
		[]byte{0x04, 0, 0, 1, 0, 0, 200, TypeVideo, 1, 0, 0, 0}, long,
		[]byte{0x02, 0, 0, 0, 0, 0, 4, TypeAbort, 0, 0, 0, 0, 0, 0, 0, 4},
		[]byte{0x04, 0, 0, 5, 0, 0, 4, TypeVideo, 1, 0, 0, 0}, "next",
	)
	got, err := readAll(t, in, 0)
	if err != io.EOF {
		t.Fatalf("err = %v", err)
	}
	sameMessages(t, got, []Message{{CSID: 2, Type: TypeAbort, Payload: []byte{0, 0, 0, 4}}, msg(4, 9, 1, 5, "next")})
}

func TestImplicitAbort(t *testing.T) {
	// A full header in the middle of a message drops the partial one.
	in := cat([]byte{0x04, 0, 0, 1, 0, 0, 200, TypeVideo, 1, 0, 0, 0}, bytes.Repeat([]byte{'a'}, 128),
		[]byte{0x04, 0, 0, 5, 0, 0, 2, TypeAudio, 1, 0, 0, 0}, "ok")
	got, err := readAll(t, in, 0)
	if err != io.EOF {
		t.Fatalf("err = %v", err)
	}
	sameMessages(t, got, []Message{msg(4, 8, 1, 5, "ok")})
}

func TestTruncatedInput(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 0)
	w.WriteMessage(SetChunkSizeMessage(64))
	w.SetChunkSize(64)
	for i, n := range []int{0, 10, 200, 64, 1000} {
		w.WriteMessage(&Message{CSID: uint32(3 + i%2), Type: TypeVideo, StreamID: 1, Timestamp: uint64(i) * 0x800000, Payload: make([]byte, n)})
	}
	full := buf.Bytes()
	_, err := readAll(t, full, 0)
	if err != io.EOF {
		t.Fatalf("complete input: %v", err)
	}
	for cut := 0; cut < len(full); cut++ {
		_, err := readAll(t, full[:cut], 0)
		if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut at %d: err = %v", cut, err)
		}
	}
}
