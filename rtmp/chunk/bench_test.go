package chunk

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"testing"
)

// loopReader serves the same chunk stream bytes forever. The segment holds
// whole messages only, so every pass starts at a message boundary.
type loopReader struct {
	b   []byte
	off int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.b[l.off:])
	l.off = (l.off + n) % len(l.b)
	return n, nil
}

// newLoopReader returns a buffered endless stream of video messages of the
// given size at the given chunk size (announced by a SetChunkSize that is
// only in the first pass).
func newLoopReader(tb testing.TB, size, chunkSize int) *bufio.Reader {
	tb.Helper()
	var head, seg bytes.Buffer
	NewWriter(&head, 0).WriteMessage(SetChunkSizeMessage(uint32(chunkSize)))
	w := NewWriter(&seg, chunkSize)
	p := bytes.Repeat([]byte{0x17, 0x01, 0, 0, 0}, size/5+1)[:size]
	for i := 0; i < 8; i++ {
		if err := w.WriteMessage(&Message{CSID: 6, Type: TypeVideo, StreamID: 1, Timestamp: uint64(i * 40), Payload: p}); err != nil {
			tb.Fatal(err)
		}
	}
	return bufio.NewReaderSize(io.MultiReader(&head, &loopReader{b: seg.Bytes()}), 64<<10)
}

func BenchmarkReadMessage(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 10} {
		for _, cs := range []int{128, 4096} {
			b.Run(fmt.Sprintf("%dKiB/chunk%d", size>>10, cs), func(b *testing.B) {
				r := NewReader(newLoopReader(b, size, cs), 1<<20)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					m, err := r.ReadMessage()
					if err != nil {
						b.Fatal(err)
					}
					if m.Type == TypeSetChunkSize {
						continue
					}
					if len(m.Payload) != size {
						b.Fatalf("payload %d", len(m.Payload))
					}
				}
			})
		}
	}
}

func BenchmarkWriteMessage(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 10} {
		for _, cs := range []int{128, 4096} {
			b.Run(fmt.Sprintf("%dKiB/chunk%d", size>>10, cs), func(b *testing.B) {
				w := NewWriter(io.Discard, cs)
				m := &Message{CSID: 6, Type: TypeVideo, StreamID: 1, Payload: make([]byte, size)}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					m.Timestamp += 40
					if err := w.WriteMessage(m); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
