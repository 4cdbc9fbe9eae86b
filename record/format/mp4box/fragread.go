package mp4box

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The one decoder of the track fragment boxes (ISO/IEC 14496-12, 8.8.7,
// 8.8.8, 8.8.12) of the readers of fragmented recordings: the fmp4 scan
// of repair and append (record/format/fmp4) and the export (playback).
// Each walks a moof's boxes itself, fragment by fragment, and decides
// what a fragment must hold; this reads the boxes' fields.

// ErrFragment: a track fragment box shorter than its flags say.
var ErrFragment = errors.New("mp4: damaged track fragment")

// Tfhd is what a track fragment header says: the track, and the defaults
// its truns may rely on.
type Tfhd struct {
	TrackID                   uint32
	Base                      uint64 // base_data_offset
	Dur, Size, Flags          uint32 // default_sample_*
	HasBase                   bool
	HasDur, HasSize, HasFlags bool
}

// ParseTfhd reads a tfhd's body (after the box header). When a field its
// flags announce is cut off, it returns the fields before it with
// ErrFragment (with the track when the body holds it).
func ParseTfhd(b []byte) (Tfhd, error) {
	if len(b) < 8 {
		return Tfhd{}, fmt.Errorf("%w: short tfhd", ErrFragment)
	}
	h := Tfhd{TrackID: binary.BigEndian.Uint32(b[4:])}
	flags, p := binary.BigEndian.Uint32(b)&0xffffff, 8
	short := false
	field := func(bit uint32, n int) ([]byte, bool) {
		if flags&bit == 0 || short {
			return nil, false
		}
		if len(b) < p+n {
			short = true
			return nil, false
		}
		p += n
		return b[p-n : p], true
	}
	if v, ok := field(0x01, 8); ok {
		h.Base, h.HasBase = binary.BigEndian.Uint64(v), true
	}
	field(0x02, 4) // sample_description_index
	if v, ok := field(0x08, 4); ok {
		h.Dur, h.HasDur = binary.BigEndian.Uint32(v), true
	}
	if v, ok := field(0x10, 4); ok {
		h.Size, h.HasSize = binary.BigEndian.Uint32(v), true
	}
	if v, ok := field(0x20, 4); ok {
		h.Flags, h.HasFlags = binary.BigEndian.Uint32(v), true
	}
	if short {
		return h, fmt.Errorf("%w: short tfhd", ErrFragment)
	}
	return h, nil
}

// ParseTfdt reads a tfdt's body: the track fragment's base media decode
// time; false when it is cut short.
func ParseTfdt(b []byte) (int64, bool) {
	if len(b) < 8 || b[0] == 1 && len(b) < 12 {
		return 0, false
	}
	if b[0] == 1 {
		return int64(binary.BigEndian.Uint64(b[4:])), true
	}
	return int64(binary.BigEndian.Uint32(b[4:])), true
}

// Trun is a track fragment run: its header, and its rows read on demand
// (Sample), so a reader keeps no per-sample copy of them.
type Trun struct {
	Count      int
	DataOffset int32 // from the base data offset; see HasOffset
	HasOffset  bool
	first      uint32 // first_sample_flags, when flags&4
	flags      uint32
	per        int // bytes per row
	rows       []byte
}

// Trun flags.
const (
	trunOffset     = 0x01
	trunFirstFlags = 0x04
	trunDur        = 0x100
	trunSize       = 0x200
	trunFlags      = 0x400
	trunCTS        = 0x800
)

// ParseTrun reads a trun's body; ErrFragment when its fields or its
// Count rows do not fit in it.
func ParseTrun(b []byte) (Trun, error) {
	if len(b) < 8 {
		return Trun{}, fmt.Errorf("%w: short trun", ErrFragment)
	}
	t := Trun{flags: binary.BigEndian.Uint32(b) & 0xffffff, Count: int(binary.BigEndian.Uint32(b[4:]))}
	p := 8
	for _, f := range [...]uint32{trunOffset, trunFirstFlags} {
		if t.flags&f == 0 {
			continue
		}
		if len(b) < p+4 {
			return Trun{}, fmt.Errorf("%w: short trun", ErrFragment)
		}
		v := binary.BigEndian.Uint32(b[p:])
		if f == trunOffset {
			t.DataOffset, t.HasOffset = int32(v), true
		} else {
			t.first = v
		}
		p += 4
	}
	for _, f := range [...]uint32{trunDur, trunSize, trunFlags, trunCTS} {
		if t.flags&f != 0 {
			t.per += 4
		}
	}
	if int64(len(b)-p) < int64(t.Count)*int64(t.per) {
		return Trun{}, fmt.Errorf("%w: trun of %d samples in %d bytes", ErrFragment, t.Count, len(b))
	}
	t.rows = b[p:]
	return t, nil
}

// HasDurations and HasSizes say whether the rows carry the field; the
// tfhd's default applies otherwise.
func (t *Trun) HasDurations() bool { return t.flags&trunDur != 0 }
func (t *Trun) HasSizes() bool     { return t.flags&trunSize != 0 }

// FlagsKnown says whether the first sample's flags are given, by the
// rows, first_sample_flags or the tfhd's default, rather than assumed.
func (t *Trun) FlagsKnown(d *Tfhd) bool {
	return t.flags&(trunFlags|trunFirstFlags) != 0 || d.HasFlags
}

// TrunSample is one row of a trun with the tfhd's defaults applied.
type TrunSample struct {
	Dur, Size, Flags uint32
	CTS              int32 // composition time offset, as signed (version 1; what our writers and ffmpeg mean)
}

// NonSync is the sample_is_non_sync_sample bit of sample flags.
const NonSync = 0x00010000

// Sample is row i (below Count) of the run, with d's defaults.
func (t *Trun) Sample(i int, d *Tfhd) TrunSample {
	s := TrunSample{Dur: d.Dur, Size: d.Size, Flags: d.Flags}
	if i == 0 && t.flags&trunFirstFlags != 0 {
		s.Flags = t.first
	}
	r := t.rows[i*t.per:]
	next := func() uint32 {
		v := binary.BigEndian.Uint32(r)
		r = r[4:]
		return v
	}
	if t.flags&trunDur != 0 {
		s.Dur = next()
	}
	if t.flags&trunSize != 0 {
		s.Size = next()
	}
	if t.flags&trunFlags != 0 {
		s.Flags = next()
	}
	if t.flags&trunCTS != 0 {
		s.CTS = int32(next())
	}
	return s
}
