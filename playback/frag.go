package playback

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/rtmprecd/rtmprecd/media"
)

// maxMoof bounds a moof read into memory.
const maxMoof = 4 << 20

// part is a run of moof+mdat pairs in one file.
type part struct {
	r          io.ReaderAt
	start, end int64
}

// fragReader reads the samples of movie fragments, fragment by fragment:
// only one moof and its samples are in memory.
type fragReader struct {
	v, a    *trak
	parts   []part
	off     int64
	pending []Sample
	next    int
	buf     []byte
	closers []io.Closer
	moofAt  int64 // where the last fragment read starts
}

func (f *fragReader) Tracks() (video, audio *media.Track) { return trackOf(f.v), trackOf(f.a) }

func (f *fragReader) Close() error {
	var first error
	for _, c := range f.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Next returns the fragments' samples in decode order. A box that does
// not fit in the part (a fragment being written, a torn tail) ends it.
func (f *fragReader) Next() (Sample, error) {
	for f.next == len(f.pending) {
		if len(f.parts) == 0 {
			return Sample{}, io.EOF
		}
		p := f.parts[0]
		if f.off < p.start {
			f.off = p.start
		}
		ok, err := f.fragment(p)
		if err != nil {
			return Sample{}, err
		}
		if !ok {
			f.parts, f.off = f.parts[1:], 0
		}
	}
	f.next++
	return f.pending[f.next-1], nil
}

// fragment reads the moof+mdat at f.off in p into pending; false at the
// part's end.
func (f *fragReader) fragment(p part) (bool, error) {
	for f.off < p.end {
		b, err := readBox(p.r, f.off, p.end)
		if err != nil {
			return false, nil // a fragment still being written: what is on disk ends here
		}
		if b.typ != "moof" {
			f.off = b.end()
			continue
		}
		md, err := readBox(p.r, b.end(), p.end)
		if err != nil || md.typ != "mdat" {
			return false, nil
		}
		if b.size > maxMoof {
			return false, fmt.Errorf("%w: moof of %d bytes at %d", errDamaged, b.size, b.off)
		}
		f.buf = slices.Grow(f.buf[:0], int(b.size-b.hdr))[:b.size-b.hdr]
		if _, err := p.r.ReadAt(f.buf, b.body()); err != nil {
			return false, fmt.Errorf("read moof at %d: %w", b.off, err)
		}
		f.pending, f.next = f.pending[:0], 0
		if err := f.moof(p.r, f.buf, b.off, md); err != nil {
			return false, err
		}
		f.off, f.moofAt = md.end(), b.off
		slices.SortStableFunc(f.pending, func(x, y Sample) int { return cmp.Compare(x.DTS, y.DTS) })
		return true, nil
	}
	return false, nil
}

// moof adds the samples of every traf of a moof (at file offset at) whose
// data lies in the mdat md.
func (f *fragReader) moof(r io.ReaderAt, b []byte, at int64, md boxAt) error {
	cs, err := children(b)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.typ != "traf" {
			continue
		}
		if err := f.traf(r, c.body, at, md); err != nil {
			return fmt.Errorf("moof at %d: %w", at, err)
		}
	}
	return nil
}

// trafInfo is what a traf's tfhd and tfdt say.
type trafInfo struct {
	t                *trak
	base             int64
	dts              int64
	dur, size, flags uint32
}

func (f *fragReader) traf(r io.ReaderAt, b []byte, moofAt int64, md boxAt) error {
	cs, err := children(b)
	if err != nil {
		return err
	}
	ti, err := f.header(cs, moofAt)
	if err != nil || ti.t == nil {
		return err
	}
	for _, c := range cs {
		if c.typ == "trun" {
			if err := f.trun(r, c.body, &ti, md); err != nil {
				return err
			}
		}
	}
	return nil
}

// header reads tfhd and tfdt; a traf of a track we do not export gets a
// nil trak.
func (f *fragReader) header(cs []child, moofAt int64) (trafInfo, error) {
	tfhd, ok := find(cs, "tfhd")
	if !ok || len(tfhd.body) < 8 {
		return trafInfo{}, fmt.Errorf("%w: traf without tfhd", errDamaged)
	}
	b := tfhd.body
	ti := trafInfo{base: moofAt}
	switch id := be.Uint32(b[4:]); {
	case f.v != nil && id == f.v.id:
		ti.t = f.v
	case f.a != nil && id == f.a.id:
		ti.t = f.a
	default:
		return ti, nil
	}
	flags, p := be.Uint32(b)&0xffffff, 8
	field := func(bit uint32, n int) uint64 {
		if flags&bit == 0 || len(b) < p+n {
			return 0
		}
		v := uint64(be.Uint32(b[p+n-4:]))
		if n == 8 {
			v = be.Uint64(b[p:])
		}
		p += n
		return v
	}
	if flags&1 != 0 {
		ti.base = int64(field(1, 8))
	}
	field(2, 4)
	ti.dur, ti.size, ti.flags = uint32(field(8, 4)), uint32(field(0x10, 4)), uint32(field(0x20, 4))
	tfdt, ok := find(cs, "tfdt")
	if !ok || len(tfdt.body) < 8 || tfdt.body[0] == 1 && len(tfdt.body) < 12 {
		return trafInfo{}, fmt.Errorf("%w: traf without tfdt", errDamaged)
	}
	ti.dts = int64(be.Uint32(tfdt.body[4:]))
	if tfdt.body[0] == 1 {
		ti.dts = int64(be.Uint64(tfdt.body[4:]))
	}
	return ti, nil
}

// trun adds one trun's samples; their bytes must lie inside the mdat.
func (f *fragReader) trun(r io.ReaderAt, b []byte, ti *trafInfo, md boxAt) error {
	if len(b) < 8 {
		return fmt.Errorf("%w: short trun", errDamaged)
	}
	flags, n, p := be.Uint32(b)&0xffffff, int(be.Uint32(b[4:])), 8
	off := ti.base
	if flags&1 != 0 {
		if len(b) < p+4 {
			return fmt.Errorf("%w: short trun", errDamaged)
		}
		off, p = ti.base+int64(int32(be.Uint32(b[p:]))), p+4
	}
	first, hasFirst := uint32(0), flags&4 != 0
	if hasFirst {
		if len(b) < p+4 {
			return fmt.Errorf("%w: short trun", errDamaged)
		}
		first, p = be.Uint32(b[p:]), p+4
	}
	per := 4 * (int(flags>>8&1) + int(flags>>9&1) + int(flags>>10&1) + int(flags>>11&1))
	if n < 0 || per*n > len(b)-p {
		return fmt.Errorf("%w: trun of %d samples in %d bytes", errDamaged, n, len(b))
	}
	for i := range n {
		dur, size, sf, cts := ti.dur, ti.size, ti.flags, int32(0)
		if flags&0x100 != 0 {
			dur, p = be.Uint32(b[p:]), p+4
		}
		if flags&0x200 != 0 {
			size, p = be.Uint32(b[p:]), p+4
		}
		if flags&0x400 != 0 {
			sf, p = be.Uint32(b[p:]), p+4
		} else if i == 0 && hasFirst {
			sf = first
		}
		if flags&0x800 != 0 {
			cts, p = int32(be.Uint32(b[p:])), p+4
		}
		if off < md.body() || off+int64(size) > md.end() {
			return fmt.Errorf("%w: sample data outside its mdat", errDamaged)
		}
		per := ti.t.perMS
		f.pending = append(f.pending, Sample{Video: ti.t.video, Key: !ti.t.video || sf&0x00010000 == 0,
			DTS: ti.dts / per, CTS: cts / int32(per), R: r, Off: off, Size: size})
		ti.dts += int64(dur)
		off += int64(size)
	}
	return nil
}
