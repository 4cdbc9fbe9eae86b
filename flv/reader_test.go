package flv_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/rtmprecd/rtmprecd/flv"
)

func TestDecodeValid(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		wantHdr  flv.Header
		wantTags []flv.Tag
	}{
		{"header only", fileHeader(5), flv.Header{Version: 1, Flags: 5, DataOffset: 9}, nil},
		{"no flags", fileHeader(0), flv.Header{Version: 1, DataOffset: 9}, nil},
		{
			"DataOffset 12 skips 3 bytes",
			[]byte{'F', 'L', 'V', 1, 1, 0, 0, 0, 12, 0xaa, 0xbb, 0xcc, 0, 0, 0, 0},
			flv.Header{Version: 1, Flags: 1, DataOffset: 12}, nil,
		},
		{
			"three tags and an extended timestamp",
			cat(fileHeader(5), tag(18, 0, 2, 0, 1, 'x'), tag(9, 0x12345678, 0x17, 1), tag(8, 40, 0xaf, 1, 7)),
			flv.Header{Version: 1, Flags: 5, DataOffset: 9},
			[]flv.Tag{
				{Type: 18, Timestamp: 0, Data: []byte{2, 0, 1, 'x'}, Offset: 13},
				{Type: 9, Timestamp: 0x12345678, Data: []byte{0x17, 1}, Offset: 13 + 15 + 4},
				{Type: 8, Timestamp: 40, Data: []byte{0xaf, 1, 7}, Offset: 13 + 15 + 4 + 13 + 4},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := flv.Decode(tt.in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if f.Header != tt.wantHdr {
				t.Errorf("header = %+v, want %+v", f.Header, tt.wantHdr)
			}
			if len(f.Tags) != len(tt.wantTags) {
				t.Fatalf("got %d tags, want %d", len(f.Tags), len(tt.wantTags))
			}
			for i, got := range f.Tags {
				want := tt.wantTags[i]
				if got.Type != want.Type || got.Timestamp != want.Timestamp || got.Offset != want.Offset ||
					got.StreamID != 0 || !bytes.Equal(got.Data, want.Data) {
					t.Errorf("tag %d = %+v, want %+v", i, got, want)
				}
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good := cat(fileHeader(5), tag(9, 0, 0x17, 0, 1, 2))
	badPrev := bytes.Clone(good)
	badPrev[len(badPrev)-1]++
	tests := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"empty", nil, flv.ErrTruncated, "0 trailing bytes at offset 0, shorter than the 9-byte file header"},
		{"short header", []byte("FLV\x01"), flv.ErrTruncated, "4 trailing bytes at offset 0"},
		{"signature", []byte("FLX\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"), flv.ErrCorrupt, `offset 0: signature "FLX"`},
		{"version", []byte("FLV\x02\x05\x00\x00\x00\x09\x00\x00\x00\x00"), flv.ErrCorrupt, "offset 3: version 2, want 1"},
		{"reserved flags", []byte("FLV\x01\x0d\x00\x00\x00\x09\x00\x00\x00\x00"), flv.ErrCorrupt, "offset 4: reserved header flag bits set: 0x0d"},
		{"DataOffset too small", []byte("FLV\x01\x05\x00\x00\x00\x08\x00\x00\x00\x00"), flv.ErrCorrupt, "offset 5: DataOffset 8"},
		{"DataOffset past end", []byte("FLV\x01\x05\x00\x00\x01\x00\x00"), flv.ErrTruncated, "shorter than the header's DataOffset"},
		{"PreviousTagSize0 torn", []byte("FLV\x01\x05\x00\x00\x00\x09\x00\x00"), flv.ErrTruncated, "2 trailing bytes at offset 9, shorter than PreviousTagSize0"},
		{"PreviousTagSize0 nonzero", []byte("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x01"), flv.ErrCorrupt, "offset 9: PreviousTagSize0 is 1, want 0"},
		{"unknown tag type", cat(fileHeader(5), tag(10, 0, 1)), flv.ErrCorrupt, "offset 13: unknown tag type 10"},
		{"filter bit", cat(fileHeader(5), tag(0x20|9, 0, 1)), flv.ErrCorrupt, "offset 13: tag has the filter (encryption) bit set"},
		{"reserved type bits", cat(fileHeader(5), tag(0x40|8, 0, 1)), flv.ErrCorrupt, "offset 13: tag has reserved type bits set"},
		{"stream id", cat(fileHeader(5), rawTag(8, 0, 1, []byte{1})), flv.ErrCorrupt, "offset 13: tag stream id 1, want 0"},
		{"empty tag", cat(fileHeader(5), tag(8, 0)), flv.ErrCorrupt, "offset 13: empty audio tag"},
		{"bad PreviousTagSize", badPrev, flv.ErrCorrupt, "offset 28: PreviousTagSize 16 after tag at offset 13, want 15"},
		{"second tag bad", cat(good, tag(7, 0, 1)), flv.ErrCorrupt, "offset 32: unknown tag type 7"},
		{"torn tag header", cat(good, []byte{9, 0, 0}), flv.ErrTruncated, "3 trailing bytes at offset 32, shorter than an 11-byte tag header"},
		{"torn tag body", good[:26], flv.ErrTruncated, "13 trailing bytes at offset 13, shorter than a 19-byte tag"},
		{"torn PreviousTagSize", good[:len(good)-1], flv.ErrTruncated, "18 trailing bytes at offset 13, shorter than a 19-byte tag"},
		{"huge size claim", cat(fileHeader(5), []byte{9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1}), flv.ErrTruncated, "12 trailing bytes at offset 13, shorter than a 16777230-byte tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := flv.Decode(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Decode error = %q, want it to contain %q", err, tt.msg)
			}
			other := flv.ErrCorrupt
			if tt.want == flv.ErrCorrupt {
				other = flv.ErrTruncated
			}
			if errors.Is(err, other) {
				t.Errorf("error %v matches both sentinels", err)
			}
		})
	}
}

// TestReaderUnsizedTorn reads through a reader that hides its length, so the
// torn tails are found by short reads rather than by the up-front check.
func TestReaderUnsizedTorn(t *testing.T) {
	good := cat(fileHeader(5), tag(9, 0, 0x17, 0, 1, 2))
	tests := []struct {
		name string
		in   []byte
		msg  string
	}{
		{"torn body", good[:26], "13 trailing bytes at offset 13, shorter than a 19-byte tag"},
		{"torn PreviousTagSize", good[:len(good)-1], "18 trailing bytes at offset 13, shorter than a 19-byte tag (PreviousTagSize has 3 of 4 bytes)"},
		{"huge claim", cat(fileHeader(5), []byte{9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1}), "12 trailing bytes at offset 13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := flv.NewReader(iotest.HalfReader(bytes.NewBuffer(tt.in)))
			_, err := r.Next()
			if !errors.Is(err, flv.ErrTruncated) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Next error = %v, want ErrTruncated containing %q", err, tt.msg)
			}
			if _, err2 := r.Next(); err2 != err {
				t.Errorf("second Next error = %v, want the sticky %v", err2, err)
			}
		})
	}
}

func TestReaderStream(t *testing.T) {
	in := cat(fileHeader(1), tag(9, 0, 0x17, 0), tag(9, 40, 0x27, 1))
	r := flv.NewReader(iotest.OneByteReader(bytes.NewReader(in)))
	h, err := r.Header()
	if err != nil || h.Flags != flv.FlagVideo {
		t.Fatalf("Header = %+v, %v", h, err)
	}
	var ts []uint32
	for {
		tg, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		ts = append(ts, tg.Timestamp)
	}
	if len(ts) != 2 || ts[1] != 40 {
		t.Errorf("timestamps = %v, want [0 40]", ts)
	}
}

// TestReaderIOError checks that a failing reader is reported as neither
// truncation nor corruption.
func TestReaderIOError(t *testing.T) {
	boom := errors.New("boom")
	r := flv.NewReader(io.MultiReader(bytes.NewReader(fileHeader(5)), iotest.ErrReader(boom)))
	_, err := r.Next()
	if !errors.Is(err, boom) || errors.Is(err, flv.ErrTruncated) || errors.Is(err, flv.ErrCorrupt) {
		t.Fatalf("Next error = %v, want only boom", err)
	}
}

func TestCount(t *testing.T) {
	f, err := flv.Decode(cat(fileHeader(5), tag(18, 0, 5), tag(9, 0, 0x17, 0), tag(8, 0, 0xaf, 0), tag(8, 23, 0xaf, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for typ, want := range map[uint8]int{flv.TagAudio: 2, flv.TagVideo: 1, flv.TagScript: 1, 7: 0} {
		if got := f.Count(typ); got != want {
			t.Errorf("Count(%d) = %d, want %d", typ, got, want)
		}
	}
}
