package amf

import (
	"bytes"
	"errors"
	"math"
	"runtime"
	"testing"
)

// allocated returns the bytes f allocates on the heap.
func allocated(t *testing.T, f func()) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// connectPrefix is the start of a connect command: name and transaction id.
func connectPrefix() []byte { return cat(0x02, key("connect"), 0x00, f64(1)) }

// nested returns n objects each holding the next under key "a", closed.
func nested(n int) []byte {
	b := connectPrefix()
	for range n {
		b = append(b, 0x03, 0, 1, 'a')
	}
	b = append(b, 0x05)
	for range n {
		b = append(b, end...)
	}
	return b
}

func TestLimitsHostile(t *testing.T) {
	deep := nested(250000)[:1<<20-64] // ~1 MB, ~250k open objects
	tests := []struct {
		name string
		in   []byte
		lim  Limits
		want error
	}{
		{"strict array claims 2^31-1", cat(connectPrefix(), 0x0a, 0x7f, 0xff, 0xff, 0xff, 0x05), DefaultLimits, ErrLimit},
		{"strict array claims 2^31-1 with MaxElements raised",
			cat(connectPrefix(), 0x0a, 0x7f, 0xff, 0xff, 0xff, 0x05), Limits{MaxElements: math.MaxInt32}, ErrTruncated},
		{"strict array claims 2^32-1 in an object", cat(connectPrefix(), 0x03, key("a"), 0x0a, 0xff, 0xff, 0xff, 0xff, end), DefaultLimits, ErrLimit},
		{"1 MB of nested objects", deep, DefaultLimits, ErrLimit},
		{"1 MB of nested objects with MaxDepth 2^30", deep, Limits{MaxDepth: 1 << 30}, ErrLimit},
		{"long string claims 4 GiB", cat(connectPrefix(), 0x0c, 0xff, 0xff, 0xff, 0xff, "x"), DefaultLimits, ErrLimit},
		{"long string claims 2 GiB with MaxStringLen raised",
			cat(connectPrefix(), 0x0c, 0x7f, 0xff, 0xff, 0xff, "x"), Limits{MaxStringLen: math.MaxInt32}, ErrTruncated},
		{"string over MaxStringLen", cat(0x02, key("abcdef")), Limits{MaxStringLen: 5}, ErrLimit},
		{"key over MaxStringLen", cat(0x03, key("abcdef"), 0x05, end), Limits{MaxStringLen: 5}, ErrLimit},
		{"input over MaxTotal", cat(0x02, key("abcdef")), Limits{MaxTotal: 8}, ErrLimit},
		{"1 MB of top-level nulls", bytes.Repeat([]byte{0x05}, 1<<20), DefaultLimits, ErrLimit},
		{"depth over MaxDepth", cat(0x03, key("a"), 0x0a, 0, 0, 0, 1, 0x08, 0, 0, 0, 0, end, end), Limits{MaxDepth: 2}, ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			n := allocated(t, func() { _, err = Decode(tt.in, tt.lim) })
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode error = %v, want %v", err, tt.want)
			}
			// Failing must cost little: nothing sized by a claim, at most
			// the scratch stack of MaxElements values.
			if n > 256<<10 {
				t.Errorf("allocated %d bytes before failing", n)
			}
		})
	}
}

func TestLimitsAtBoundary(t *testing.T) {
	lim := Limits{MaxDepth: 2, MaxElements: 3, MaxStringLen: 4, MaxTotal: 38}
	date := cat(0x0b, f64(0), 0, 0)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"depth 2 fits", cat(0x03, key("a"), 0x0a, 0, 0, 0, 1, 0x05, end), nil},
		{"depth 3 fails", cat(0x03, key("a"), 0x0a, 0, 0, 0, 1, 0x03, end, end), ErrLimit},
		{"3 properties fit", cat(0x03, key("a"), 0x05, key("b"), 0x05, key("c"), 0x05, end), nil},
		{"4 properties fail", cat(0x03, key("a"), 0x05, key("b"), 0x05, key("c"), 0x05, key("d"), 0x05, end), ErrLimit},
		{"4 ecma properties fail", cat(0x08, 0, 0, 0, 3, key("a"), 0x05, key("b"), 0x05, key("c"), 0x05, key("d"), 0x05, end), ErrLimit},
		{"3 elements fit", cat(0x0a, 0, 0, 0, 3, 0x05, 0x05, 0x05), nil},
		{"4 elements fail", cat(0x0a, 0, 0, 0, 4, 0x05, 0x05, 0x05, 0x05), ErrLimit},
		{"4-byte string fits", cat(0x02, key("abcd")), nil},
		{"5-byte long string fails", cat(0x0c, 0, 0, 0, 5, "abcde"), ErrLimit},
		{"38 bytes fit", cat(0x0a, 0, 0, 0, 3, date, date, date), nil},
		{"39 bytes fail", cat(0x0a, 0, 0, 0, 3, date, date, date, 0x05), ErrLimit},
		{"3 values fit", cat(0x05, 0x05, 0x05), nil},
		{"4 values fail", cat(0x05, 0x05, 0x05, 0x05), ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in, lim)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Decode error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestAmplification checks that memory follows the bytes decoded: 1 MB of
// the most allocation-hungry valid input stays within a fixed multiple.
func TestAmplification(t *testing.T) {
	var in []byte
	for range 63 { // strict arrays of 4096 empty objects
		in = append(in, 0x0a, 0, 0, 0x10, 0)
		for range 4096 {
			in = append(in, 0x03, 0, 0, 9)
		}
	}
	var err error
	n := allocated(t, func() { _, err = Decode(in, DefaultLimits) })
	if err != nil {
		t.Fatal(err)
	}
	if ratio := float64(n) / float64(len(in)); ratio > 16 {
		t.Errorf("decoding %d bytes allocated %d (%.1fx)", len(in), n, ratio)
	} else {
		t.Logf("decoding %d bytes allocated %d (%.1fx)", len(in), n, ratio)
	}
}
