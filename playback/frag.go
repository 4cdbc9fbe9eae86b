package playback

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
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
	t    *trak
	base int64
	dts  int64
	d    mp4box.Tfhd
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
// nil trak. A tfhd field cut short reads as absent.
func (f *fragReader) header(cs []child, moofAt int64) (trafInfo, error) {
	tfhd, ok := find(cs, "tfhd")
	if !ok || len(tfhd.body) < 8 {
		return trafInfo{}, fmt.Errorf("%w: traf without tfhd", errDamaged)
	}
	d, _ := mp4box.ParseTfhd(tfhd.body)
	ti := trafInfo{base: moofAt, d: d}
	switch id := d.TrackID; {
	case f.v != nil && id == f.v.id:
		ti.t = f.v
	case f.a != nil && id == f.a.id:
		ti.t = f.a
	default:
		return ti, nil
	}
	if d.HasBase {
		ti.base = int64(d.Base)
	}
	tfdt, ok := find(cs, "tfdt")
	if ti.dts, ok = mp4box.ParseTfdt(tfdt.body); !ok {
		return trafInfo{}, fmt.Errorf("%w: traf without tfdt", errDamaged)
	}
	return ti, nil
}

// trun adds one trun's samples; their bytes must lie inside the mdat.
func (f *fragReader) trun(r io.ReaderAt, b []byte, ti *trafInfo, md boxAt) error {
	t, err := mp4box.ParseTrun(b)
	if err != nil {
		return fmt.Errorf("%w: %w", errDamaged, err)
	}
	off := ti.base
	if t.HasOffset {
		off += int64(t.DataOffset)
	}
	per := ti.t.perMS
	for i := range t.Count {
		s := t.Sample(i, &ti.d)
		if off < md.body() || off+int64(s.Size) > md.end() {
			return fmt.Errorf("%w: sample data outside its mdat", errDamaged)
		}
		f.pending = append(f.pending, Sample{Video: ti.t.video, Key: !ti.t.video || s.Flags&mp4box.NonSync == 0,
			DTS: ti.dts / per, CTS: s.CTS / int32(per), R: r, Off: off, Size: s.Size})
		ti.dts += int64(s.Dur)
		off += int64(s.Size)
	}
	return nil
}
