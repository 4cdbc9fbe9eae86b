package mp4check

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// box builds a box of type typ around the payloads.
func box(typ string, payloads ...[]byte) []byte {
	n := 8
	for _, p := range payloads {
		n += len(p)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(n))
	b = append(b, typ...)
	for _, p := range payloads {
		b = append(b, p...)
	}
	return b
}

func u32(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// progressive builds a one-track progressive file of two samples of 3
// and 5 bytes in one chunk at chunkOff (the mdat payload starts at 8 past
// the moov); edit may break it.
func progressive(edit func(stts, stsz, stsc, stco *[]byte)) []byte {
	stts, stsz := u32(0, 1, 2, 10), u32(0, 0, 2, 3, 5)
	stsc, stco := u32(0, 1, 1, 2, 1), u32(0, 1, 0)
	if edit != nil {
		edit(&stts, &stsz, &stsc, &stco)
	}
	tkhd := append(u32(0, 0, 0, 7), make([]byte, 68)...)
	build := func(off uint32) []byte {
		binary.BigEndian.PutUint32(stco[8:], off)
		stbl := box("stbl", box("stsd", u32(0, 0)), box("stts", stts), box("stsz", stsz), box("stsc", stsc), box("stco", stco))
		moov := box("moov", box("trak", box("tkhd", tkhd), box("mdia", box("minf", stbl))))
		return append(box("ftyp", []byte("isom\x00\x00\x00\x00")), moov...)
	}
	head := build(0)
	if len(stco) >= 12 {
		head = build(uint32(len(head) + 8))
	}
	return append(head, box("mdat", []byte("abcdefgh"))...)
}

func checkBytes(t *testing.T, b []byte) (*Report, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.mp4")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return File(p)
}

// TestCheckerAcceptsAndRejects: a well-formed file passes; each kind of
// damage the checker exists for is reported.
func TestCheckerAcceptsAndRejects(t *testing.T) {
	rep, err := checkBytes(t, progressive(nil))
	if err != nil || rep.Samples[7] != 2 || strings.Join(rep.Top, " ") != "ftyp moov mdat" {
		t.Fatalf("valid file: %+v, %v", rep, err)
	}
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"stray bytes", append(progressive(nil), 1, 2, 3), "stray bytes"},
		{"box past the end", progressive(nil)[:len(progressive(nil))-1], "does not fit"},
		{"stts and stsz disagree", progressive(func(stts, _, _, _ *[]byte) { *stts = u32(0, 1, 3, 10) }), "stts counts 3"},
		{"chunk outside the mdat", progressive(func(_, stsz, _, _ *[]byte) { *stsz = u32(0, 0, 2, 3, 6) }), "not inside an mdat"},
		{"stsc places too few", progressive(func(_, _, stsc, _ *[]byte) { *stsc = u32(0, 1, 1, 1, 1) }), "stsc places 1 samples"},
		{"child overruns its parent", func() []byte {
			b := progressive(nil)
			i := strings.Index(string(b), "stts")
			binary.BigEndian.PutUint32(b[i-4:], 1000)
			return b
		}(), "overruns"},
		{"table size", progressive(func(_, _, _, stco *[]byte) { *stco = u32(0, 2, 0) }), "entries"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := checkBytes(t, c.b); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}
