package fmp4

import (
	"errors"
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// trafRun is what one traf of a fragment adds to its track.
type trafRun struct {
	track    int
	firstDTS int64
	n        int64
	dur      int64 // sum of the sample durations
	lastDur  int64
	bytes    int64
	key      bool // the first sample is a sync sample
	traf     uint8
}

// fragments reads the moof+mdat pairs after the moov up to the first box
// that is not a whole fragment.
func (s *Scanned) fragments(r io.ReaderAt) error {
	var buf []byte
	for off := s.End; off < s.Size; {
		b, err := readBox(r, off, s.Size)
		if errors.Is(err, errTorn) {
			s.Tail = TailTorn
			return nil
		}
		if err != nil {
			return err
		}
		switch b.typ {
		case "mfra":
			s.Tail = TailMfra
			return nil
		case "moof":
		default:
			return fmt.Errorf("%w: box %q at %d", errDamaged, b.typ, off)
		}
		if b.size > maxMoof || b.hdr != 8 {
			return fmt.Errorf("%w: moof of %d bytes at %d", errDamaged, b.size, off)
		}
		buf = append(buf[:0], make([]byte, b.size-8)...)
		if _, err := r.ReadAt(buf, off+8); err != nil {
			return fmt.Errorf("read moof at %d: %w", off, err)
		}
		seq, runs, err := s.moof(buf, off)
		if err != nil {
			return err
		}
		md, err := readBox(r, b.end(), s.Size)
		if errors.Is(err, errTorn) {
			s.Tail = TailTorn // the moof came whole, its mdat did not
			return nil
		}
		if err != nil {
			return err
		}
		if md.typ != "mdat" || md.size-md.hdr != sum(runs) {
			return fmt.Errorf("%w: moof at %d not followed by its mdat", errDamaged, off)
		}
		s.apply(runs, off, seq)
		s.End, off = md.end(), md.end()
	}
	return nil
}

func sum(runs []trafRun) int64 {
	var n int64
	for _, r := range runs {
		n += r.bytes
	}
	return n
}

// apply adds a whole fragment's runs to the tracks.
func (s *Scanned) apply(runs []trafRun, moofAt int64, seq uint32) {
	for _, r := range runs {
		t := s.Tracks[r.track]
		if t.Kind == media.KindVideo && r.key {
			t.Keys = append(t.Keys, mp4box.RandomAccess{Time: r.firstDTS, Moof: moofAt, Traf: r.traf})
		}
		if t.Samples == 0 {
			t.FirstDTS = r.firstDTS
		}
		t.Samples += r.n
		t.LastDTS, t.LastDur = r.firstDTS+r.dur-r.lastDur, r.lastDur
	}
	s.Seq = seq
	s.Fragments++
}

// moof reads a moof's body: its sequence number and one run per traf.
func (s *Scanned) moof(b []byte, at int64) (uint32, []trafRun, error) {
	cs, err := children(b, 8)
	if err != nil {
		return 0, nil, err
	}
	mfhd, ok := find(cs, "mfhd")
	if !ok || len(mfhd.body) < 8 {
		return 0, nil, fmt.Errorf("%w: moof at %d without mfhd", errDamaged, at)
	}
	var runs []trafRun
	for _, c := range cs {
		if c.typ != "traf" {
			continue
		}
		if len(runs) == maxTracks {
			return 0, nil, fmt.Errorf("%w: moof at %d with too many trafs", errDamaged, at)
		}
		r, err := s.traf(c.body)
		if err != nil {
			return 0, nil, fmt.Errorf("moof at %d: %w", at, err)
		}
		r.traf = uint8(len(runs) + 1)
		runs = append(runs, r)
	}
	return be.Uint32(mfhd.body[4:]), runs, nil
}

// tfhd defaults a trun may rely on.
type trafDefaults struct {
	dur, size, flags uint32
	hasDur, hasSize  bool
	hasFlags         bool
}

func (s *Scanned) traf(b []byte) (trafRun, error) {
	cs, err := children(b, 0)
	if err != nil {
		return trafRun{}, err
	}
	tfhd, ok := find(cs, "tfhd")
	if !ok || len(tfhd.body) < 8 {
		return trafRun{}, fmt.Errorf("%w: traf without tfhd", errDamaged)
	}
	idx, _ := s.track(be.Uint32(tfhd.body[4:]))
	if idx < 0 {
		return trafRun{}, fmt.Errorf("%w: traf of unknown track %d", errDamaged, be.Uint32(tfhd.body[4:]))
	}
	d, err := tfhdDefaults(tfhd.body)
	if err != nil {
		return trafRun{}, err
	}
	tfdt, ok := find(cs, "tfdt")
	if !ok || len(tfdt.body) < 8 || tfdt.body[0] == 1 && len(tfdt.body) < 12 {
		return trafRun{}, fmt.Errorf("%w: traf without tfdt", errDamaged)
	}
	r := trafRun{track: idx, firstDTS: int64(be.Uint32(tfdt.body[4:]))}
	if tfdt.body[0] == 1 {
		r.firstDTS = int64(be.Uint64(tfdt.body[4:]))
	}
	if r.firstDTS < 0 {
		return trafRun{}, fmt.Errorf("%w: negative decode time", errDamaged)
	}
	first := true
	for _, c := range cs {
		if c.typ == "trun" {
			if err := r.trun(c.body, d, first); err != nil {
				return trafRun{}, err
			}
			first = false
		}
	}
	if r.n == 0 {
		return trafRun{}, fmt.Errorf("%w: traf without samples", errDamaged)
	}
	return r, nil
}

func tfhdDefaults(b []byte) (trafDefaults, error) {
	flags := be.Uint32(b) & 0xffffff
	var d trafDefaults
	p := 8
	field := func(bit uint32, n int) (uint32, bool, error) {
		if flags&bit == 0 {
			return 0, false, nil
		}
		if len(b) < p+n {
			return 0, false, fmt.Errorf("%w: short tfhd", errDamaged)
		}
		v := be.Uint32(b[p+n-4:])
		p += n
		return v, true, nil
	}
	var err error
	if _, _, err = field(0x01, 8); err == nil {
		if _, _, err = field(0x02, 4); err == nil {
			if d.dur, d.hasDur, err = field(0x08, 4); err == nil {
				if d.size, d.hasSize, err = field(0x10, 4); err == nil {
					d.flags, d.hasFlags, err = field(0x20, 4)
				}
			}
		}
	}
	return d, err
}

// trun adds one trun's samples to r.
func (r *trafRun) trun(b []byte, d trafDefaults, first bool) error {
	if len(b) < 8 {
		return fmt.Errorf("%w: short trun", errDamaged)
	}
	flags, n := be.Uint32(b)&0xffffff, int64(be.Uint32(b[4:]))
	p := 8
	if flags&0x01 != 0 {
		p += 4
	}
	firstFlags, hasFirst := uint32(0), flags&0x04 != 0
	if hasFirst {
		if len(b) < p+4 {
			return fmt.Errorf("%w: short trun", errDamaged)
		}
		firstFlags, p = be.Uint32(b[p:]), p+4
	}
	per := 0
	for _, bit := range []uint32{0x100, 0x200, 0x400, 0x800} {
		if flags&bit != 0 {
			per += 4
		}
	}
	if flags&0x100 == 0 && !d.hasDur || flags&0x200 == 0 && !d.hasSize || n == 0 || int64(len(b)-p) < n*int64(per) {
		return fmt.Errorf("%w: trun of %d samples in %d bytes", errDamaged, n, len(b))
	}
	for i := range n {
		dur, size, sflags := d.dur, d.size, d.flags
		if flags&0x100 != 0 {
			dur, p = be.Uint32(b[p:]), p+4
		}
		if flags&0x200 != 0 {
			size, p = be.Uint32(b[p:]), p+4
		}
		if flags&0x400 != 0 {
			sflags, p = be.Uint32(b[p:]), p+4
		} else if i == 0 && hasFirst {
			sflags = firstFlags
		}
		if flags&0x800 != 0 {
			p += 4
		}
		if first && i == 0 {
			r.key = (flags&0x400 != 0 || hasFirst || d.hasFlags) && sflags&0x00010000 == 0
		}
		r.dur += int64(dur)
		r.lastDur = int64(dur)
		r.bytes += int64(size)
	}
	r.n += n
	return nil
}
