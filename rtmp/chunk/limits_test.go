package chunk

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestSetLimits: a Reader limited to what connect needs refuses a third
// chunk stream and a large message; raised limits apply to the messages
// that follow.
func TestSetLimits(t *testing.T) {
	write := func(msgs ...*Message) []byte {
		var buf bytes.Buffer
		w := NewWriter(&buf, 0)
		for _, m := range msgs {
			if err := w.WriteMessage(m); err != nil {
				t.Fatal(err)
			}
		}
		return buf.Bytes()
	}
	small := func(csid uint32) *Message { return &Message{CSID: csid, Type: TypeCommandAMF0, Payload: []byte("x")} }
	big := &Message{CSID: 3, Type: TypeVideo, StreamID: 1, Payload: make([]byte, 20000)}
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"two chunk streams", write(small(2), small(3), small(2)), io.EOF},
		{"third chunk stream", write(small(2), small(3), small(4)), ErrTooManyStreams},
		{"message over 16 KiB", write(small(3), big), ErrMessageTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(tc.in), 0)
			r.SetLimits(16<<10, 2)
			var err error
			for err == nil {
				_, err = r.ReadMessage()
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("raised after connect", func(t *testing.T) {
		r := NewReader(bytes.NewReader(write(small(3), small(2), small(4), big)), 0)
		r.SetLimits(16<<10, 2)
		for i := range 2 {
			if _, err := r.ReadMessage(); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		r.SetLimits(1<<20, MaxStreams)
		for i := range 2 {
			if _, err := r.ReadMessage(); err != nil {
				t.Fatalf("message %d after raising: %v", i+2, err)
			}
		}
	})
}

// stages is a Source fed stage by stage: it reports EOF whenever the
// bytes given so far are used up, and reads on once more are added.
type stages struct{ buf bytes.Buffer }

func (s *stages) Read(p []byte) (int, error) { return s.buf.Read(p) }

// TestPartialAccounting: PartialBytes counts the payload of started,
// unfinished messages and OldestPartial the clock at which the oldest of
// them started, through interleaving, completion and Abort.
func TestPartialAccounting(t *testing.T) {
	chunk := bytes.Repeat([]byte{'p'}, 128)
	var src stages
	r := NewReader(bufio.NewReader(&src), 0)
	steps := []struct {
		clock  int64
		in     []byte
		held   int
		oldest int64 // -1: none partial
	}{
		{10, cat([]byte{0x04, 0, 0, 0, 0, 0x01, 0x2C, TypeVideo, 1, 0, 0, 0}, chunk), 128, 10}, // 300-byte video on csid 4
		{20, cat([]byte{0x05, 0, 0, 0, 0, 0, 200, TypeAudio, 1, 0, 0, 0}, chunk), 256, 10},     // 200-byte audio on csid 5
		{30, cat([]byte{0xC4}, chunk), 384, 10},
		{40, cat([]byte{0xC4}, chunk[:44]), 128, 20}, // csid 4 completes
		{50, []byte{0x02, 0, 0, 0, 0, 0, 4, TypeAbort, 0, 0, 0, 0, 0, 0, 0, 5}, 0, -1},
	}
	for i, st := range steps {
		r.SetClock(st.clock)
		src.buf.Write(st.in)
		for {
			if _, err := r.ReadMessage(); err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("step %d: %v", i, err)
				}
				break
			}
		}
		oldest, ok := r.OldestPartial()
		if !ok {
			oldest = -1
		}
		if r.PartialBytes() != st.held || oldest != st.oldest {
			t.Errorf("step %d: %d bytes held, oldest started at %d; want %d and %d", i, r.PartialBytes(), oldest, st.held, st.oldest)
		}
	}
}
