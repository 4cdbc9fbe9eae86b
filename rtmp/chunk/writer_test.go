package chunk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

func TestWriterBytes(t *testing.T) {
	a, b := bytes.Repeat([]byte{'a'}, 128), []byte("bb")
	ext := []byte{0x01, 0x23, 0x45, 0x67}
	cases := []struct {
		name  string
		ext3  bool
		msgs  []Message
		bytes []byte
	}{
		{"fmt0", true, []Message{msg(3, 20, 0, 1000, "hello")},
			cat([]byte{0x03, 0x00, 0x03, 0xE8, 0, 0, 5, 20, 0, 0, 0, 0}, "hello")},
		{"fmt1 then fmt2", true, []Message{msg(4, 9, 1, 0, "abc"), msg(4, 8, 1, 40, "de"), msg(4, 8, 1, 73, "fg")},
			cat([]byte{0x04, 0, 0, 0, 0, 0, 3, 9, 1, 0, 0, 0}, "abc", []byte{0x44, 0, 0, 40, 0, 0, 2, 8}, "de", []byte{0x84, 0, 0, 33}, "fg")},
		{"backward timestamp is fmt0", true, []Message{msg(4, 8, 1, 100, "a"), msg(4, 8, 1, 50, "b")},
			cat([]byte{0x04, 0, 0, 100, 0, 0, 1, 8, 1, 0, 0, 0}, "a", []byte{0x04, 0, 0, 50, 0, 0, 1, 8, 1, 0, 0, 0}, "b")},
		{"stream change is fmt0", true, []Message{msg(4, 8, 1, 0, "a"), msg(4, 8, 2, 0, "b")},
			cat([]byte{0x04, 0, 0, 0, 0, 0, 1, 8, 1, 0, 0, 0}, "a", []byte{0x04, 0, 0, 0, 0, 0, 1, 8, 2, 0, 0, 0}, "b")},
		{"continuation", true, []Message{{CSID: 6, Type: 9, StreamID: 1, Payload: cat(a, b)}},
			cat([]byte{0x06, 0, 0, 0, 0, 0, 130, 9, 1, 0, 0, 0}, a, []byte{0xC6}, b)},
		{"extended repeated on fmt3", true, []Message{{CSID: 6, Type: 9, StreamID: 1, Timestamp: 0x01234567, Payload: cat(a, b)}},
			cat([]byte{0x06, 0xFF, 0xFF, 0xFF, 0, 0, 130, 9, 1, 0, 0, 0}, ext, a, []byte{0xC6}, ext, b)},
		{"extended not repeated", false, []Message{{CSID: 6, Type: 9, StreamID: 1, Timestamp: 0x01234567, Payload: cat(a, b)}},
			cat([]byte{0x06, 0xFF, 0xFF, 0xFF, 0, 0, 130, 9, 1, 0, 0, 0}, ext, a, []byte{0xC6}, b)},
		{"64-bit timestamp modulo 2^32", true, []Message{msg(3, 8, 1, 1<<32+5, "x")},
			cat([]byte{0x03, 0, 0, 5, 0, 0, 1, 8, 1, 0, 0, 0}, "x")},
		{"big delta is fmt0", true, []Message{msg(3, 8, 1, 0, "x"), msg(3, 8, 1, 0x01000000, "y")},
			cat([]byte{0x03, 0, 0, 0, 0, 0, 1, 8, 1, 0, 0, 0}, "x", []byte{0x03, 0xFF, 0xFF, 0xFF, 0, 0, 1, 8, 1, 0, 0, 0, 1, 0, 0, 0}, "y")},
		{"2-byte csid", true, []Message{msg(319, 8, 0, 0, "")}, []byte{0x00, 0xFF, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0}},
		{"3-byte csid", true, []Message{msg(65599, 8, 0, 0, "")}, []byte{0x01, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var cw countWriter
			w := NewWriter(&cw, 0)
			w.ExtendedType3 = tc.ext3
			for i := range tc.msgs {
				if err := w.WriteMessage(&tc.msgs[i]); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(cw.Bytes(), tc.bytes) {
				t.Errorf("wrote\n %x\nwant\n %x", cw.Bytes(), tc.bytes)
			}
			if cw.writes != len(tc.msgs) {
				t.Errorf("%d Write calls for %d messages", cw.writes, len(tc.msgs))
			}
		})
	}
}

type countWriter struct {
	bytes.Buffer
	writes int
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

func TestWriterRejects(t *testing.T) {
	w := NewWriter(io.Discard, 0)
	for _, m := range []Message{{CSID: 0}, {CSID: 1}, {CSID: MaxCSID + 1}} {
		if err := w.WriteMessage(&m); !errors.Is(err, ErrBadChunk) {
			t.Errorf("csid %d: err = %v", m.CSID, err)
		}
	}
	if err := w.WriteMessage(&Message{CSID: 3, Payload: make([]byte, 1<<24)}); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("16 MiB payload: err = %v", err)
	}
}

// TestRoundTrip writes messages of many sizes, chunk sizes, chunk stream
// IDs and timestamps with the Writer and reads them back.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := make([]byte, 256<<10)
	rand.NewChaCha8([32]byte{1}).Read(pool)
	csids := []uint32{2, 3, 4, 63, 64, 65, 319, 320, 1000, 65599}
	sizes := []int{0, 1, 3, 4, 5, 127, 128, 129, 1000, 4096, 65536, 200000}
	for _, cs := range []int{1, 2, 3, 4, 5, 128, 4096, 1 << 20, MaxChunkSize} {
		for _, ext3 := range []bool{true, false} {
			t.Run(fmt.Sprintf("cs%d/ext3=%v", cs, ext3), func(t *testing.T) {
				var buf bytes.Buffer
				w := NewWriter(&buf, 0)
				w.ExtendedType3 = ext3
				w.WriteMessage(SetChunkSizeMessage(uint32(cs)))
				w.SetChunkSize(cs)
				want := []Message{*SetChunkSizeMessage(uint32(cs))}
				ts := map[uint32]uint64{}
				for i := 0; i < 120; i++ {
					csid := csids[rng.IntN(len(csids))]
					n := sizes[rng.IntN(len(sizes))]
					if cs < 128 && n > 2000 {
						n = 2000 // keep tiny chunks quick under -race
					}
					ts[csid] += []uint64{0, 1, 33, 0xFFFFFF, 0x1000000, 1 << 30}[rng.IntN(6)]
					// Random bytes: the fmt 3 peek must not be fooled by payload.
					off := rng.IntN(len(pool) - n + 1)
					p := pool[off : off+n]
					m := Message{CSID: csid, Type: uint8(8 + i%2), StreamID: uint32(i % 3), Timestamp: ts[csid], Payload: p}
					if err := w.WriteMessage(&m); err != nil {
						t.Fatal(err)
					}
					want = append(want, m)
				}
				got, err := readAll(t, buf.Bytes(), 1<<20)
				if err != io.EOF {
					t.Fatalf("err = %v", err)
				}
				sameMessages(t, got, want)
			})
		}
	}
}

func TestWriterZeroAllocs(t *testing.T) {
	w := NewWriter(io.Discard, 4096)
	m := &Message{CSID: 6, Type: TypeVideo, StreamID: 1, Payload: make([]byte, 64<<10)}
	allocs := testing.AllocsPerRun(100, func() {
		m.Timestamp += 40
		if err := w.WriteMessage(m); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocs per WriteMessage", allocs)
	}
}

func TestReaderZeroAllocs(t *testing.T) {
	r := NewReader(newLoopReader(t, 4<<10, 128), 1<<20)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := r.ReadMessage(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocs per ReadMessage", allocs)
	}
}

// TestWriterWrapDeltas: with WrapDeltas a step back goes out as librtmp
// writes it (a fmt 1/2 delta modulo 2^32 in the extended field), and the
// Reader reads it back as the same step back.
func TestWriterWrapDeltas(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 0)
	w.WrapDeltas = true
	in := []Message{msg(4, 9, 1, 1000, "v"), msg(4, 8, 1, 990, "a"), msg(4, 9, 1, 1040, "v"), msg(4, 9, 1, 1040+0x01000000, "v")}
	for i := range in {
		if err := w.WriteMessage(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	step := []byte{0x44, 0xFF, 0xFF, 0xFF, 0, 0, 1, 8, 0xFF, 0xFF, 0xFF, 0xF6, 'a'}
	if !bytes.Contains(buf.Bytes(), step) {
		t.Fatalf("no fmt 1 delta 0xFFFFFFF6 in %x", buf.Bytes())
	}
	got, err := readAll(t, buf.Bytes(), 0)
	if err != io.EOF {
		t.Fatalf("err = %v", err)
	}
	sameMessages(t, got, in)
}
