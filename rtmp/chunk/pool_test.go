package chunk

import (
	"bytes"
	"io"
	"testing"
)

// pieces encodes m at chunk size 4096 and cuts the bytes at chunk
// boundaries (a 12-byte first header, 1-byte fmt 3 headers after).
func pieces(t *testing.T, m *Message) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, 4096)
	if err := w.WriteMessage(m); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	var out [][]byte
	for first := true; len(b) > 0; first = false {
		n := 1 + 4096
		if first {
			n = 12 + 4096
		}
		n = min(n, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// TestBorrowedBuffersInterleaved: large messages on two chunk streams,
// their chunks interleaved, come out intact round after round while the
// streams borrow and give back pooled buffers, and nothing stays borrowed
// once the messages were consumed.
func TestBorrowedBuffersInterleaved(t *testing.T) {
	in := cat(setChunkSize(4096))
	var want [][]byte
	for round := range 3 {
		a := bytes.Repeat([]byte{byte(round), 'a'}, 60_000+round*30_000)
		v := bytes.Repeat([]byte{byte(round), 'v'}, 9_000)
		pa := pieces(t, &Message{CSID: 4, Type: TypeAudio, StreamID: 1, Timestamp: uint64(round), Payload: a})
		pv := pieces(t, &Message{CSID: 6, Type: TypeVideo, StreamID: 1, Timestamp: uint64(round), Payload: v})
		for i := range max(len(pa), len(pv)) {
			if i < len(pv) {
				in = append(in, pv[i]...)
			}
			if i < len(pa) {
				in = append(in, pa[i]...)
			}
		}
		want = append(want, v, a)
	}
	r := NewReader(bytes.NewReader(in), 1<<20)
	var got [][]byte
	for {
		m, err := r.ReadMessage()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Type != TypeSetChunkSize {
			got = append(got, bytes.Clone(m.Payload))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("message %d: %d bytes, not the %d sent", i, len(got[i]), len(want[i]))
		}
	}
	for _, csid := range []uint32{4, 6} {
		st := r.lookup(csid)
		if st.big != nil || cap(st.own) > ownMax {
			t.Errorf("csid %d keeps %d bytes own, borrowed %v", csid, cap(st.own), st.big != nil)
		}
	}
}

func TestPoolClass(t *testing.T) {
	tests := []struct {
		n    uint32
		size int
	}{{ownMax + 1, 16 << 10}, {16 << 10, 16 << 10}, {16<<10 + 1, 32 << 10}, {100_000, 128 << 10}, {maxLength, 16 << 20}}
	for _, tt := range tests {
		if got := cap(*newPooled(tt.n)); got != tt.size {
			t.Errorf("buffer for %d bytes: %d, want %d", tt.n, got, tt.size)
		}
	}
}
