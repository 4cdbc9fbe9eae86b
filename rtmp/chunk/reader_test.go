package chunk

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// cat concatenates byte slices and strings (payload text) into one input.
func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case []byte:
			b = append(b, v...)
		case string:
			b = append(b, v...)
		case int:
			b = append(b, byte(v))
		default:
			panic("cat: bad part")
		}
	}
	return b
}

// readAll reads messages until an error, copying each one.
func readAll(t *testing.T, in []byte, maxMessage int) ([]Message, error) {
	t.Helper()
	r := NewReader(bytes.NewReader(in), maxMessage)
	var out []Message
	for {
		m, err := r.ReadMessage()
		if err != nil {
			return out, err
		}
		c := *m
		c.Payload = append([]byte{}, m.Payload...)
		out = append(out, c)
	}
}

func msg(csid uint32, typ uint8, sid uint32, ts uint64, payload string) Message {
	return Message{CSID: csid, Type: typ, StreamID: sid, Timestamp: ts, Payload: []byte(payload)}
}

func sameMessages(t *testing.T, got, want []Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.CSID != w.CSID || g.Type != w.Type || g.StreamID != w.StreamID || g.Timestamp != w.Timestamp || !bytes.Equal(g.Payload, w.Payload) {
			t.Errorf("message %d:\n got  %+v %q\n want %+v %q", i, g, g.Payload, w, w.Payload)
		}
	}
}

// Header bytes written by hand: basic header, then the message header
// fields big-endian (stream ID little-endian), as the spec lays them out.
var (
	// fmt 0, csid 3, ts 1000 (0x0003E8), length 5, type 20, stream 1.
	h0 = []byte{0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x05, 20, 0x01, 0x00, 0x00, 0x00}
	// fmt 1, csid 3, delta 40, length 3, type 8.
	h1 = []byte{0x43, 0x00, 0x00, 0x28, 0x00, 0x00, 0x03, 8}
	// fmt 2, csid 3, delta 33.
	h2 = []byte{0x83, 0x00, 0x00, 0x21}
	// fmt 3, csid 3.
	h3 = []byte{0xC3}
)

func TestHeaderTypes(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want []Message
	}{
		{"fmt0", cat(h0, "hello"), []Message{msg(3, 20, 1, 1000, "hello")}},
		{"fmt1", cat(h0, "hello", h1, "abc"), []Message{msg(3, 20, 1, 1000, "hello"), msg(3, 8, 1, 1040, "abc")}},
		{"fmt2", cat(h0, "hello", h1, "abc", h2, "def"),
			[]Message{msg(3, 20, 1, 1000, "hello"), msg(3, 8, 1, 1040, "abc"), msg(3, 8, 1, 1073, "def")}},
		{"fmt3 new message repeats fmt2 delta", cat(h0, "hello", h1, "abc", h2, "def", h3, "ghi"),
			[]Message{msg(3, 20, 1, 1000, "hello"), msg(3, 8, 1, 1040, "abc"), msg(3, 8, 1, 1073, "def"), msg(3, 8, 1, 1106, "ghi")}},
		{"fmt3 new message repeats fmt1 delta", cat(h0, "hello", h1, "abc", h3, "xyz"),
			[]Message{msg(3, 20, 1, 1000, "hello"), msg(3, 8, 1, 1040, "abc"), msg(3, 8, 1, 1080, "xyz")}},
		// The spec (and ffmpeg's writer): after fmt 0 the delta is the
		// absolute value itself.
		{"fmt3 new message after fmt0", cat(h0, "hello", h3, "world"),
			[]Message{msg(3, 20, 1, 1000, "hello"), msg(3, 20, 1, 2000, "world")}},
		{"fmt1 on fresh stream", cat([]byte{0x44, 0, 0, 7, 0, 0, 2, 4}, "xy"), []Message{msg(4, 4, 0, 7, "xy")}},
		{"zero length", cat([]byte{0x03, 0, 0, 9, 0, 0, 0, 18, 1, 0, 0, 0}, h3, []byte{0x43, 0, 0, 1, 0, 0, 0, 9}),
			[]Message{msg(3, 18, 1, 9, ""), msg(3, 18, 1, 18, ""), msg(3, 9, 1, 19, "")}},
		{"continuation chunks", cat([]byte{0x03, 0, 0, 1, 0, 0, 200, 9, 1, 0, 0, 0}, strings.Repeat("a", 128), h3, strings.Repeat("b", 72)),
			[]Message{msg(3, 9, 1, 1, strings.Repeat("a", 128)+strings.Repeat("b", 72))}},
		{"interleaved chunk streams",
			cat([]byte{0x04, 0, 0, 0, 0, 0, 130, 9, 1, 0, 0, 0}, strings.Repeat("v", 128),
				[]byte{0x05, 0, 0, 5, 0, 0, 2, 8, 1, 0, 0, 0}, "au", []byte{0xC4}, "VV"),
			[]Message{msg(5, 8, 1, 5, "au"), msg(4, 9, 1, 0, strings.Repeat("v", 128)+"VV")}},
		{"AMF3 command as is", cat([]byte{0x03, 0, 0, 0, 0, 0, 3, 17, 0, 0, 0, 0}, []byte{0, 2, 0}),
			[]Message{{CSID: 3, Type: 17, Payload: []byte{0, 2, 0}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.in, 0)
			if err != io.EOF {
				t.Fatalf("err = %v, want io.EOF", err)
			}
			sameMessages(t, got, tc.want)
		})
	}
}

func TestBasicHeaderForms(t *testing.T) {
	cases := []struct {
		basic []byte
		csid  uint32
	}{
		{[]byte{0x02}, 2},
		{[]byte{0x3F}, 63},
		{[]byte{0x00, 0x00}, 64},
		{[]byte{0x00, 0xFF}, 319},
		{[]byte{0x01, 0x00, 0x01}, 320},
		{[]byte{0x01, 0x00, 0x00}, 64}, // 3-byte form of a small ID is legal
		{[]byte{0x01, 0xFF, 0xFF}, 65599},
	}
	for _, tc := range cases {
		in := cat(tc.basic, []byte{0, 0, 1, 0, 0, 1, 8, 0, 0, 0, 0}, "x")
		got, err := readAll(t, in, 0)
		if err != io.EOF {
			t.Fatalf("csid %d: %v", tc.csid, err)
		}
		sameMessages(t, got, []Message{msg(tc.csid, 8, 0, 1, "x")})
	}
}

func TestBadStart(t *testing.T) {
	for _, in := range [][]byte{cat(h2, "x"), cat(h3, "x")} {
		_, err := readAll(t, in, 0)
		if !errors.Is(err, ErrBadChunk) {
			t.Errorf("%x: err = %v, want ErrBadChunk", in, err)
		}
	}
}

func TestBytesRead(t *testing.T) {
	in := cat(h0, "hello", h1, "abc", h2, "def")
	r := NewReader(bytes.NewReader(in), 0)
	for {
		if _, err := r.ReadMessage(); err != nil {
			break
		}
	}
	if r.BytesRead() != uint64(len(in)) {
		t.Errorf("BytesRead = %d, want %d", r.BytesRead(), len(in))
	}
}
