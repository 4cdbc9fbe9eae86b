package chunk

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// aggMsg wraps an aggregate payload in one fmt 0 message on csid 5,
// stream 1, at timestamp ts, using the Writer (chunk size 128).
func aggMsg(t *testing.T, ts uint64, payload []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := NewWriter(&buf, 0).WriteMessage(&Message{CSID: 5, Type: TypeAggregate, StreamID: 1, Timestamp: ts, Payload: payload}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAggregateSplit(t *testing.T) {
	var p []byte
	p = AppendAggregateSub(p, TypeVideo, 5000, 0, []byte("key"))
	p = AppendAggregateSub(p, TypeAudio, 5040, 0, []byte("aud"))
	p = AppendAggregateSub(p, TypeVideo, 5080, 0, bytes.Repeat([]byte{'v'}, 300))
	// Sub timestamps with the extension byte: 0x01000000 + 10.
	q := AppendAggregateSub(nil, TypeVideo, 0x0100000A, 0, []byte("a"))
	q = AppendAggregateSub(q, TypeVideo, 0x01000014, 0, []byte("b"))
	in := cat(aggMsg(t, 100, p), aggMsg(t, 0x7000, q), []byte{0x03, 0, 0, 9, 0, 0, 1, TypeAudio, 1, 0, 0, 0}, "z")
	got, err := readAll(t, in, 0)
	if err != io.EOF {
		t.Fatalf("err = %v", err)
	}
	sameMessages(t, got, []Message{
		msg(5, TypeVideo, 1, 100, "key"),
		msg(5, TypeAudio, 1, 140, "aud"),
		msg(5, TypeVideo, 1, 180, string(bytes.Repeat([]byte{'v'}, 300))),
		msg(5, TypeVideo, 1, 0x7000, "a"),
		msg(5, TypeVideo, 1, 0x7000+10, "b"),
		msg(3, TypeAudio, 1, 9, "z"),
	})
}

func TestAggregateLenient(t *testing.T) {
	// The last back pointer may be missing; an empty aggregate is skipped.
	p := AppendAggregateSub(nil, TypeAudio, 7, 0, []byte("one"))
	p = AppendAggregateSub(p, TypeAudio, 8, 0, []byte("two"))
	p = p[:len(p)-4]
	in := cat(aggMsg(t, 50, nil), aggMsg(t, 50, p))
	got, err := readAll(t, in, 0)
	if err != io.EOF {
		t.Fatalf("err = %v", err)
	}
	sameMessages(t, got, []Message{msg(5, TypeAudio, 1, 50, "one"), msg(5, TypeAudio, 1, 51, "two")})
}

func TestAggregateGarbage(t *testing.T) {
	good := AppendAggregateSub(nil, TypeAudio, 7, 0, []byte("one"))
	cases := []struct {
		name    string
		payload []byte
		before  int // sub-messages returned before the error
	}{
		{"short header", []byte{TypeAudio, 0, 0}, 0},
		{"size past end", cat(good, []byte{TypeAudio, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, "xy"), 1},
		{"bad type", AppendAggregateSub(nil, TypeAggregate, 0, 0, []byte("x")), 0},
		{"command type", AppendAggregateSub(nil, TypeCommandAMF0, 0, 0, []byte("x")), 0},
		{"truncated back pointer", cat(good[:len(good)-2]), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := cat(aggMsg(t, 0, tc.payload), []byte{0x03, 0, 0, 9, 0, 0, 1, TypeAudio, 1, 0, 0, 0}, "z")
			r := NewReader(bytes.NewReader(in), 0)
			for i := 0; i < tc.before; i++ {
				if _, err := r.ReadMessage(); err != nil {
					t.Fatalf("sub %d: %v", i, err)
				}
			}
			if _, err := r.ReadMessage(); !errors.Is(err, ErrBadAggregate) {
				t.Fatalf("err = %v, want ErrBadAggregate", err)
			}
			// The framing is intact: the next message reads fine.
			m, err := r.ReadMessage()
			if err != nil || string(m.Payload) != "z" {
				t.Fatalf("after a bad aggregate: %v %+v", err, m)
			}
		})
	}
}
