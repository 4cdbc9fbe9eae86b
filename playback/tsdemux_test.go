package playback

import (
	"bytes"
	"testing"
)

// TestAnnexBToLength: start codes of 3 or 4 bytes, trailing zero bytes,
// delimiters and parameter sets, as a foreign MPEG-TS muxer may write
// them; each case's NAL units come out after 4-byte lengths.
func TestAnnexBToLength(t *testing.T) {
	for _, c := range []struct {
		name     string
		codec    tsCodec
		in, want []byte
		key      bool
		sps, pps int
	}{
		{"ours: AUD, SPS, PPS, IDR", tsAVC, []byte{0, 0, 0, 1, 9, 0xf0, 0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 7, 8, 9},
			[]byte{0, 0, 0, 4, 0x65, 7, 8, 9}, true, 1, 1},
		{"3-byte start codes, trailing zeros", tsAVC, []byte{0, 0, 1, 0x41, 5, 0, 0, 0, 0, 1, 0x06, 6},
			[]byte{0, 0, 0, 2, 0x41, 5, 0, 0, 0, 2, 0x06, 6}, false, 0, 0},
		{"bytes before the first start code", tsAVC, []byte{0xff, 0xff, 0, 0, 1, 0x41, 5},
			[]byte{0, 0, 0, 2, 0x41, 5}, false, 0, 0},
		{"no start code", tsAVC, []byte{0x41, 5, 6}, nil, false, 0, 0},
		{"HEVC: AUD, VPS, SPS, PPS, IDR_W_RADL", tsHEVC, []byte{0, 0, 0, 1, 0x46, 1, 0x50, 0, 0, 0, 1, 0x40, 1, 0xa, 0, 0, 0, 1, 0x42, 1, 0xb,
			0, 0, 0, 1, 0x44, 1, 0xc, 0, 0, 0, 1, 0x26, 1, 0xd}, []byte{0, 0, 0, 3, 0x26, 1, 0xd}, true, 1, 1},
		{"HEVC trailing picture", tsHEVC, []byte{0, 0, 1, 0x02, 1, 0xe}, []byte{0, 0, 0, 3, 0x02, 1, 0xe}, false, 0, 0},
	} {
		var p videoParams
		got, key := annexBToLength(c.codec, c.in, nil, &p)
		if !bytes.Equal(got, c.want) || key != c.key || len(p.sps) != c.sps || len(p.pps) != c.pps {
			t.Errorf("%s: % x key %v, %d SPS %d PPS; want % x key %v, %d %d", c.name, got, key, len(p.sps), len(p.pps), c.want, c.key, c.sps, c.pps)
		}
	}
}

// TestNextADTS reads ADTS frames with and without a CRC, and refuses
// lengths past the payload and reserved sample rates.
func TestNextADTS(t *testing.T) {
	frame := func(crc bool, raw int, rate byte) []byte {
		h := 7
		b1 := byte(0xf1)
		if crc {
			h, b1 = 9, 0xf0
		}
		n := h + raw
		b := []byte{0xff, b1, 1<<6 | rate<<2, 2 << 6, byte(n >> 3), byte(n<<5) | 0x1f, 0xfc}
		if crc {
			b = append(b, 0xaa, 0xbb)
		}
		return append(b, bytes.Repeat([]byte{0x21}, raw)...)
	}
	two := append(frame(false, 5, 4), frame(true, 3, 4)...)
	f, ok := nextADTS(two)
	if !ok || len(f.raw) != 5 || f.h.sampleRate() != 44100 || f.h.channels() != 2 || f.h.objectType != 2 {
		t.Fatalf("first frame %+v %v", f, ok)
	}
	g, ok := nextADTS(f.rest)
	if !ok || len(g.raw) != 3 || g.raw[0] != 0x21 || len(g.rest) != 0 {
		t.Fatalf("second frame (CRC) %+v %v", g, ok)
	}
	if _, ok := nextADTS(frame(false, 5, 4)[:10]); ok {
		t.Error("a frame longer than the payload was read")
	}
	if _, ok := nextADTS(frame(false, 5, 13)); ok {
		t.Error("a reserved sample rate was read")
	}
}

// TestUnwrap: 33-bit timestamps keep increasing past their wrap (26.5
// hours), and ms90 takes the recorder's 100 ms off.
func TestUnwrap(t *testing.T) {
	r := tsReader{last: -1}
	const wrap = 1 << 33
	var got []int64
	for _, ts := range []int64{wrap - 9000, wrap - 10, 5, 9000, 8000} {
		got = append(got, r.unwrap(ts))
	}
	want := []int64{wrap - 9000, wrap - 10, wrap + 5, wrap + 9000, wrap + 8000}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("unwrap: %v, want %v", got, want)
		}
	}
	for _, c := range [][2]int64{{9000, 0}, {9000 + 90*40, 40}, {0, -100}, {8999, -1}} {
		if ms90(c[0]) != c[1] {
			t.Errorf("ms90(%d) = %d, want %d", c[0], ms90(c[0]), c[1])
		}
	}
}

// TestVideoTrackParameterSets: an H.264 track keeps every SPS and PPS of
// the first key frame (its samples lose the in-band ones); HEVC with more
// than one set of a kind is refused, not exported with sets missing.
func TestVideoTrackParameterSets(t *testing.T) {
	sps := []byte{0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x47, 0xFE, 0xC8}
	p := videoParams{sps: [][]byte{sps}, pps: [][]byte{{0x68, 0xCE, 0x3C, 0x80}, {0x68, 0x53, 0x0F, 0x20}}}
	tr, err := videoTrack(tsAVC, &p)
	if err != nil || tr.AVC == nil || len(tr.AVC.SPS) != 1 || len(tr.AVC.PPS) != 2 || tr.AVC.Profile != 0x42 || tr.AVC.LengthSize != 4 {
		t.Fatalf("H.264 track %+v, %v", tr, err)
	}
	if _, err := videoTrack(tsHEVC, &videoParams{vps: [][]byte{{0x40, 1}}, sps: [][]byte{{0x42, 1}}, pps: [][]byte{{0x44, 1}, {0x44, 2}}}); err == nil {
		t.Fatal("HEVC with two PPS made a track")
	}
	if _, err := videoTrack(tsAVC, &videoParams{sps: [][]byte{sps}}); err == nil {
		t.Fatal("a key frame without PPS made a track")
	}
}
