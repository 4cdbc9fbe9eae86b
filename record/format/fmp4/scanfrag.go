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

func (s *Scanned) traf(b []byte) (trafRun, error) {
	cs, err := children(b, 0)
	if err != nil {
		return trafRun{}, err
	}
	tfhd, ok := find(cs, "tfhd")
	if !ok || len(tfhd.body) < 8 {
		return trafRun{}, fmt.Errorf("%w: traf without tfhd", errDamaged)
	}
	d, derr := mp4box.ParseTfhd(tfhd.body)
	idx, _ := s.track(d.TrackID)
	if idx < 0 {
		return trafRun{}, fmt.Errorf("%w: traf of unknown track %d", errDamaged, d.TrackID)
	}
	if derr != nil {
		return trafRun{}, fmt.Errorf("%w: %w", errDamaged, derr)
	}
	tfdt, ok := find(cs, "tfdt")
	dts, ok2 := mp4box.ParseTfdt(tfdt.body)
	if !ok || !ok2 {
		return trafRun{}, fmt.Errorf("%w: traf without tfdt", errDamaged)
	}
	r := trafRun{track: idx, firstDTS: dts}
	if r.firstDTS < 0 {
		return trafRun{}, fmt.Errorf("%w: negative decode time", errDamaged)
	}
	first := true
	for _, c := range cs {
		if c.typ == "trun" {
			if err := r.trun(c.body, &d, first); err != nil {
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

// trun adds one trun's samples to r: every sample's duration and size
// must be known (from its row or the tfhd's defaults).
func (r *trafRun) trun(b []byte, d *mp4box.Tfhd, first bool) error {
	t, err := mp4box.ParseTrun(b)
	if err != nil {
		return fmt.Errorf("%w: %w", errDamaged, err)
	}
	if !t.HasDurations() && !d.HasDur || !t.HasSizes() && !d.HasSize || t.Count == 0 {
		return fmt.Errorf("%w: trun of %d samples in %d bytes", errDamaged, t.Count, len(b))
	}
	for i := range t.Count {
		smp := t.Sample(i, d)
		if first && i == 0 {
			r.key = t.FlagsKnown(d) && smp.Flags&mp4box.NonSync == 0
		}
		r.dur += int64(smp.Dur)
		r.lastDur = int64(smp.Dur)
		r.bytes += int64(smp.Size)
	}
	r.n += int64(t.Count)
	return nil
}
