package chunk

import (
	"io"
	"strings"
	"testing"
)

// Extended timestamp cases, bytes by hand. A 200-byte message at chunk size
// 128 has one fmt 3 continuation chunk; peers that repeat the extended
// field (ffmpeg, FMLE) put 4 bytes after its basic header, peers that do
// not (go-rtmp) go straight to the payload.
func TestExtendedTimestamp(t *testing.T) {
	const big = 0x01234567
	ext := []byte{0x01, 0x23, 0x45, 0x67}
	a, b := strings.Repeat("a", 128), strings.Repeat("b", 72)
	// fmt 0, csid 6, ts 0xFFFFFF (extended), length 200, video, stream 1.
	f0 := []byte{0x06, 0xFF, 0xFF, 0xFF, 0, 0, 200, 9, 1, 0, 0, 0}
	f0small := []byte{0x06, 0xFF, 0xFF, 0xFF, 0, 0, 3, 9, 1, 0, 0, 0}
	cases := []struct {
		name string
		in   []byte
		want []Message
	}{
		{"fmt0 single chunk", cat(f0small, ext, "abc"), []Message{msg(6, 9, 1, big, "abc")}},
		{"fmt0 field exactly 0xFFFFFF", cat(f0small, []byte{0, 0xFF, 0xFF, 0xFF}, "abc"), []Message{msg(6, 9, 1, 0xFFFFFF, "abc")}},
		{"fmt3 continuation repeats ext", cat(f0, ext, a, []byte{0xC6}, ext, b), []Message{msg(6, 9, 1, big, a+b)}},
		{"fmt3 continuation without ext", cat(f0, ext, a, []byte{0xC6}, b), []Message{msg(6, 9, 1, big, a+b)}},
		// Payload that starts like a timestamp but is not this one.
		{"fmt3 continuation payload near ext", cat(f0, ext, a, []byte{0xC6}, []byte{0x01, 0x23, 0x45, 0x68}, b[4:]),
			[]Message{msg(6, 9, 1, big, a+"\x01\x23\x45\x68"+b[4:])}},
		{"fmt1 ext delta", cat(f0small, ext, "abc", []byte{0x46, 0xFF, 0xFF, 0xFF, 0, 0, 2, 8}, []byte{0x01, 0, 0, 0}, "xy"),
			[]Message{msg(6, 9, 1, big, "abc"), msg(6, 8, 1, big+0x01000000, "xy")}},
		{"fmt2 ext delta", cat(f0small, ext, "abc", []byte{0x86, 0xFF, 0xFF, 0xFF}, []byte{0x02, 0, 0, 0}, "xyz"),
			[]Message{msg(6, 9, 1, big, "abc"), msg(6, 9, 1, big+0x02000000, "xyz")}},
		{"fmt3 new message with ext", cat(f0small, ext, "abc", []byte{0xC6}, ext, "def"),
			[]Message{msg(6, 9, 1, big, "abc"), msg(6, 9, 1, 2*big, "def")}},
		{"fmt3 new message without ext", cat(f0small, ext, "abc", []byte{0xC6}, "def"),
			[]Message{msg(6, 9, 1, big, "abc"), msg(6, 9, 1, 2*big, "def")}},
		{"fmt2 ext then continuations both ways",
			cat(f0small, ext, "abc", []byte{0x46, 0xFF, 0xFF, 0xFF, 0, 0, 200, 9}, []byte{0x01, 0, 0, 0}, a, []byte{0xC6}, []byte{0x01, 0, 0, 0}, b,
				[]byte{0x86, 0xFF, 0xFF, 0xFF}, []byte{0x01, 0, 0, 0}, a, []byte{0xC6}, b),
			[]Message{msg(6, 9, 1, big, "abc"), msg(6, 9, 1, big+0x01000000, a+b), msg(6, 9, 1, big+0x02000000, a+b)}},
		{"back to small after ext", cat(f0small, ext, "abc", []byte{0x86, 0, 0, 10}, "def", []byte{0xC6}, "ghi"),
			[]Message{msg(6, 9, 1, big, "abc"), msg(6, 9, 1, big+10, "def"), msg(6, 9, 1, big+20, "ghi")}},
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

// fmt0 returns a fmt 0 header on csid 4 with a 1-byte audio payload.
func fmt0(ts uint32) []byte {
	if ts >= 0xFFFFFF {
		return []byte{0x04, 0xFF, 0xFF, 0xFF, 0, 0, 1, 8, 1, 0, 0, 0, byte(ts >> 24), byte(ts >> 16), byte(ts >> 8), byte(ts), 'x'}
	}
	return []byte{0x04, byte(ts >> 16), byte(ts >> 8), byte(ts), 0, 0, 1, 8, 1, 0, 0, 0, 'x'}
}

// fmt2 returns a fmt 2 header on csid 4 with a small delta and a payload byte.
func fmt2(delta uint32) []byte {
	return []byte{0x84, byte(delta >> 16), byte(delta >> 8), byte(delta), 'x'}
}

func TestTimeline64(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want []uint64
	}{
		{"absolute wraps", cat(fmt0(0xFFFFFF00), fmt0(0x100)), []uint64{0xFFFFFF00, 1<<32 + 0x100}},
		{"deltas cross 2^32", cat(fmt0(0xFFFFFFF0), fmt2(0x10), fmt2(0x10)), []uint64{0xFFFFFFF0, 1 << 32, 1<<32 + 0x10}},
		{"absolute after deltas crossed", cat(fmt0(0xFFFFFFF0), fmt2(0x20), fmt0(0x30)), []uint64{0xFFFFFFF0, 1<<32 + 0x10, 1<<32 + 0x30}},
		{"small step back stays", cat(fmt0(5000), fmt0(4000)), []uint64{5000, 4000}},
		{"step back across the wrap", cat(fmt0(0xFFFFFFF0), fmt0(0x10), fmt0(0xFFFFFFF8)), []uint64{0xFFFFFFF0, 1<<32 + 0x10, 0xFFFFFFF8}},
		{"big jump forward without history", cat(fmt0(0xF0000000)), []uint64{0xF0000000}},
		{"two wraps", cat(fmt0(0xC0000001), fmt0(0x40000000), fmt0(0xC0000000), fmt0(0x10)),
			[]uint64{0xC0000001, 1<<32 + 0x40000000, 1<<32 + 0xC0000000, 2<<32 + 0x10}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.in, 0)
			if err != io.EOF {
				t.Fatalf("err = %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d messages, want %d", len(got), len(tc.want))
			}
			for i, m := range got {
				if m.Timestamp != tc.want[i] {
					t.Errorf("message %d: ts %#x, want %#x", i, m.Timestamp, tc.want[i])
				}
			}
		})
	}
}

// fmt2ext returns a fmt 2 header on csid 4 whose delta is in the extended
// field, with a payload byte: how librtmp sends a delta of 0xFFFFFF or more.
func fmt2ext(delta uint32) []byte {
	return []byte{0x84, 0xFF, 0xFF, 0xFF, byte(delta >> 24), byte(delta >> 16), byte(delta >> 8), byte(delta), 'x'}
}

// fmt1ext is fmt2ext as a fmt 1 header (length 1, audio).
func fmt1ext(delta uint32) []byte {
	return []byte{0x44, 0xFF, 0xFF, 0xFF, 0, 0, 1, 8, byte(delta >> 24), byte(delta >> 16), byte(delta >> 8), byte(delta), 'x'}
}

// TestDeltasAreModulo32: fmt 1/2 deltas and fmt 3 repeats are added modulo
// 2^32, as the specification and nginx-rtmp do, so librtmp's 32-bit delta
// for a frame a few ms older than the one before is a step back on the
// 64-bit timeline, not a 2^32 ms jump; real wraps still grow the timeline.
func TestDeltasAreModulo32(t *testing.T) {
	back10 := uint32(0xFFFFFFF6) // -10 modulo 2^32
	cases := []struct {
		name string
		in   []byte
		want []uint64
	}{
		{"fmt2 delta 0xFFFFFFF6 is 10 ms back", cat(fmt0(1000), fmt2ext(back10), fmt2(30)), []uint64{1000, 990, 1020}},
		{"fmt1 delta 0xFFFFFFF6 is 10 ms back", cat(fmt0(1000), fmt1ext(back10), fmt2(30)), []uint64{1000, 990, 1020}},
		// fmt 3 on a new message after the fmt 2 step back, with the
		// extended field repeated as ffmpeg and librtmp write it.
		{"fmt3 repeats the step back", cat(fmt0(1000), fmt2ext(back10), []byte{0xC4, 0xFF, 0xFF, 0xFF, 0xF6, 'x'}), []uint64{1000, 990, 980}},
		{"step back past 2^32 stays above it", cat(fmt0(0xFFFFFFF0), fmt2(0x20), fmt2ext(back10)), []uint64{0xFFFFFFF0, 1<<32 + 0x10, 1<<32 + 6}},
		{"step back before the first timestamp stops at 0", cat(fmt0(5), fmt2ext(back10), fmt2(40)), []uint64{5, 0, 35}},
		{"largest forward delta 2^31", cat(fmt0(10), fmt2ext(1<<31), fmt2ext(1<<31)), []uint64{10, 1<<31 + 10, 1<<32 + 10}},
		{"delta just over 2^31 is a step back", cat(fmt0(1<<31+10), fmt2ext(1<<31+1)), []uint64{1<<31 + 10, 11}},
		{"continuous growth past 2^32 with deltas", cat(fmt0(0xFFFFFF00), fmt2(0x80), fmt2(0x80), fmt2(0x80)),
			[]uint64{0xFFFFFF00, 0xFFFFFF80, 1 << 32, 1<<32 + 0x80}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.in, 0)
			if err != io.EOF {
				t.Fatalf("err = %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d messages, want %d", len(got), len(tc.want))
			}
			for i, m := range got {
				if m.Timestamp != tc.want[i] {
					t.Errorf("message %d: ts %#x, want %#x", i, m.Timestamp, tc.want[i])
				}
			}
		})
	}
}
