package mp4box

import (
	"encoding/binary"
	"errors"
	"testing"
)

func u32s(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// TestTrunRows: a trun's rows carry some fields and the tfhd's defaults
// (or first_sample_flags) fill the others; a trun whose rows do not fit
// is refused.
func TestTrunRows(t *testing.T) {
	d, err := ParseTfhd(u32s(0x38, 7, 1000, 500, NonSync)) // default duration, size, flags
	if err != nil || d.TrackID != 7 || d.Dur != 1000 || d.Size != 500 || d.Flags != NonSync || d.HasBase {
		t.Fatalf("tfhd %+v, %v", d, err)
	}
	// data offset, first_sample_flags, sizes and composition offsets in the rows
	tr, err := ParseTrun(u32s(0xa05, 2, 100, 0, 300, 0xfffffc18, 400, 2000))
	if err != nil || tr.Count != 2 || !tr.HasOffset || tr.DataOffset != 100 || tr.HasDurations() || !tr.HasSizes() || !tr.FlagsKnown(&d) {
		t.Fatalf("trun %+v, %v", tr, err)
	}
	want := []TrunSample{{Dur: 1000, Size: 300, Flags: 0, CTS: -1000}, {Dur: 1000, Size: 400, Flags: NonSync, CTS: 2000}}
	for i, w := range want {
		if s := tr.Sample(i, &d); s != w {
			t.Errorf("sample %d: %+v, want %+v", i, s, w)
		}
	}
	if _, err := ParseTrun(u32s(0x300, 2, 1, 2, 3)); !errors.Is(err, ErrFragment) {
		t.Errorf("a trun of 2 rows in 12 bytes: %v", err)
	}
	if h, err := ParseTfhd(u32s(0x09, 7, 0)); !errors.Is(err, ErrFragment) || h.TrackID != 7 || h.HasBase {
		t.Errorf("a tfhd cut in its base offset: %+v, %v", h, err)
	}
	if dts, ok := ParseTfdt(append([]byte{1, 0, 0, 0}, u32s(1, 2)...)); !ok || dts != 1<<32|2 {
		t.Errorf("tfdt version 1: %d %v", dts, ok)
	}
}

// FuzzTrackFragment: the track fragment boxes never panic the decoder,
// and every row of a trun it accepts reads.
func FuzzTrackFragment(f *testing.F) {
	f.Add(u32s(0x38, 7, 1000, 500, NonSync), u32s(0xa05, 2, 100, 0, 300, 0xfffffc18, 400, 2000))
	f.Add(u32s(0x20001, 1, 0, 8), u32s(0x301, 1, 8, 40, 900))
	f.Fuzz(func(t *testing.T, tfhd, trun []byte) {
		d, _ := ParseTfhd(tfhd)
		ParseTfdt(tfhd)
		tr, err := ParseTrun(trun)
		if err != nil {
			return
		}
		if tr.Count < 0 || tr.per*tr.Count > len(tr.rows) {
			t.Fatalf("trun of %d rows of %d bytes in %d", tr.Count, tr.per, len(tr.rows))
		}
		for i := range min(tr.Count, 1<<16) {
			tr.Sample(i, &d)
		}
	})
}
