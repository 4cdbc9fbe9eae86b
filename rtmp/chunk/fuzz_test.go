package chunk

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/fuzzseed"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the committed seed corpus under testdata/fuzz")

// readerSeeds are the committed seeds of FuzzReader: one of each header
// type, extended timestamps both ways, 32-bit step backs, aggregates, control messages and
// hostile shapes.
func readerSeeds() [][]byte {
	a := strings.Repeat("a", 128)
	ext := []byte{0x01, 0x23, 0x45, 0x67}
	f0 := []byte{0x06, 0xFF, 0xFF, 0xFF, 0, 0, 200, 9, 1, 0, 0, 0}
	agg := AppendAggregateSub(nil, TypeVideo, 5000, 0, []byte("key"))
	agg = AppendAggregateSub(agg, TypeAudio, 5040, 0, []byte("aud"))
	var w bytes.Buffer
	wr := NewWriter(&w, 0)
	wr.WriteMessage(&Message{CSID: 5, Type: TypeAggregate, StreamID: 1, Timestamp: 100, Payload: agg})
	wr.WriteMessage(SetChunkSizeMessage(64))
	wr.SetChunkSize(64)
	wr.WriteMessage(&Message{CSID: 320, Type: TypeCommandAMF0, Payload: bytes.Repeat([]byte{2, 0, 7}, 50)})
	wr.WriteMessage(StreamBeginMessage(1))
	return [][]byte{
		cat(h0, "hello", h1, "abc", h2, "def", h3, "ghi"),
		cat(f0, ext, a, []byte{0xC6}, ext, strings.Repeat("b", 72)),
		cat(f0, ext, a, []byte{0xC6}, strings.Repeat("b", 72)),
		cat(setChunkSize(MaxChunkSize), []byte{0x03, 0, 0, 0, 0xFF, 0xFF, 0xFF, TypeVideo, 1, 0, 0, 0}, "xx"),
		cat([]byte{0x04, 0, 0, 1, 0, 0, 200, TypeVideo, 1, 0, 0, 0}, a, []byte{0x02, 0, 0, 0, 0, 0, 4, TypeAbort, 0, 0, 0, 0, 0, 0, 0, 4}),
		cat([]byte{0x00, 0xFF, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0}, []byte{0x01, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0}),
		cat(fmt0(0xFFFFFF00), fmt0(0x100), fmt2(0x10)),
		cat(fmt0(1000), fmt2ext(0xFFFFFFF6), fmt1ext(0xFFFFFFF6), []byte{0xC4, 0xFF, 0xFF, 0xFF, 0xF6, 'x'}),
		w.Bytes(),
	}
}

func FuzzReader(f *testing.F) {
	seeds := readerSeeds()
	if *updateCorpus {
		fuzzseed.Write(f, "FuzzReader", seeds)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	const maxMessage = 64 << 10
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), maxMessage)
		for n := 0; ; n++ {
			m, err := r.ReadMessage()
			if err != nil {
				break
			}
			// Every message costs at least one input byte (a basic header
			// or an 11-byte aggregate sub-header): more means a loop.
			if n > len(data) {
				t.Fatalf("%d messages from %d bytes", n, len(data))
			}
			if len(m.Payload) > maxMessage {
				t.Fatalf("payload of %d bytes over the limit", len(m.Payload))
			}
			if m.Type == TypeAggregate {
				t.Fatal("aggregate returned whole")
			}
		}
		if r.BytesRead() > uint64(len(data)) {
			t.Fatalf("BytesRead %d > %d", r.BytesRead(), len(data))
		}
		if _, ok := r.OldestPartial(); r.PartialBytes() < 0 || r.PartialBytes() > len(data) || r.PartialBytes() > 0 && !ok {
			t.Fatalf("PartialBytes %d, a partial message %v, from %d bytes", r.PartialBytes(), ok, len(data))
		}
	})
}
