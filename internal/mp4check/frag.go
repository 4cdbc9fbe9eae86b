package mp4check

import (
	"errors"
	"fmt"
)

// moofInfo is what a checked moof holds, for the mfra check.
type moofInfo struct {
	trafs []trafInfo
}

// trafInfo is one traf: its track, its decode time and, per trun, the
// decode time and sync flag of each sample.
type trafInfo struct {
	track uint32
	runs  [][]sampleInfo
}

type sampleInfo struct {
	pts  int64 // presentation time: tfra entries name it
	sync bool
}

// tfhd and trun flags (ISO/IEC 14496-12 8.8.7, 8.8.8).
const (
	tfhdBaseOffset   = 0x000001
	tfhdDescIndex    = 0x000002
	tfhdDuration     = 0x000008
	tfhdSize         = 0x000010
	tfhdFlags        = 0x000020
	tfhdBaseIsMoof   = 0x020000
	trunDataOffset   = 0x000001
	trunFirstFlags   = 0x000004
	trunHasDuration  = 0x000100
	trunHasSize      = 0x000200
	trunHasFlags     = 0x000400
	trunHasCTS       = 0x000800
	sampleIsNonSync  = 0x00010000
	maxSamplesPerRun = 1 << 20
)

// checkFragments checks every moof: the next top-level box is its mdat,
// sequence numbers increase, each traf belongs to a fragmented track,
// decode times continue where the track's previous fragment ended, and
// every trun's data lies inside that mdat.
func (f *file) checkFragments() error {
	f.moofs = map[int64]*moofInfo{}
	var seq uint32
	for i, t := range f.top {
		if t.typ != "moof" {
			continue
		}
		if i+1 >= len(f.top) || f.top[i+1].typ != "mdat" {
			return fmt.Errorf("moof at %d is not followed by an mdat", t.off)
		}
		mfhd := t.child("mfhd")
		if mfhd == nil {
			return fmt.Errorf("moof at %d without mfhd", t.off)
		}
		r := reader{b: mfhd.payload()}
		r.full()
		n := r.u32()
		if r.bad || n <= seq {
			return fmt.Errorf("moof at %d: sequence number %d after %d", t.off, n, seq)
		}
		seq = n
		m, err := f.checkMoof(t, f.top[i+1])
		if err != nil {
			return fmt.Errorf("moof at %d: %w", t.off, err)
		}
		f.moofs[t.off] = m
	}
	return nil
}

func (f *file) checkMoof(moof, mdat *box) (*moofInfo, error) {
	m := &moofInfo{}
	trafs := moof.children("traf")
	if len(trafs) == 0 {
		return nil, errors.New("no traf")
	}
	next := moof.off // where data of a traf without an explicit base starts
	for _, tr := range trafs {
		ti, end, err := f.checkTraf(tr, moof, mdat, next)
		if err != nil {
			return nil, err
		}
		m.trafs, next = append(m.trafs, ti), end
	}
	return m, nil
}

// tfhd is a traf's header.
type tfhd struct {
	flags                 uint32
	track                 uint32
	base                  int64
	duration, size, sflag uint32
}

func (f *file) readTfhd(tr *box, moof *box, next int64) (tfhd, *trackInfo, error) {
	b := tr.child("tfhd")
	if b == nil {
		return tfhd{}, nil, errors.New("traf without tfhd")
	}
	r := reader{b: b.payload()}
	var h tfhd
	_, h.flags = r.full()
	h.track = r.u32()
	t := f.tracks[h.track]
	if t == nil || !t.fragmented {
		return h, nil, fmt.Errorf("traf of track %d, which the moov's mvex does not declare", h.track)
	}
	h.base, h.duration, h.size, h.sflag = next, t.trexDuration, t.trexSize, t.trexFlags
	if h.flags&tfhdBaseIsMoof != 0 {
		h.base = moof.off
	}
	if h.flags&tfhdBaseOffset != 0 {
		h.base = int64(r.u64())
	}
	if h.flags&tfhdDescIndex != 0 {
		r.u32()
	}
	if h.flags&tfhdDuration != 0 {
		h.duration = r.u32()
	}
	if h.flags&tfhdSize != 0 {
		h.size = r.u32()
	}
	if h.flags&tfhdFlags != 0 {
		h.sflag = r.u32()
	}
	if r.bad || r.off != len(r.b) {
		return h, nil, fmt.Errorf("tfhd of track %d: flags %#x and size disagree", h.track, h.flags)
	}
	return h, t, nil
}

// checkTraf checks one traf and returns where its data ends.
func (f *file) checkTraf(tr, moof, mdat *box, next int64) (trafInfo, int64, error) {
	h, t, err := f.readTfhd(tr, moof, next)
	if err != nil {
		return trafInfo{}, 0, err
	}
	ti := trafInfo{track: h.track}
	tfdt := tr.child("tfdt")
	if tfdt == nil {
		return ti, 0, fmt.Errorf("traf of track %d without tfdt", h.track)
	}
	r := reader{b: tfdt.payload()}
	var dts uint64
	if v, _ := r.full(); v == 1 {
		dts = r.u64()
	} else {
		dts = uint64(r.u32())
	}
	if r.bad {
		return ti, 0, errors.New("short tfdt")
	}
	if t.seenFragment && dts != t.nextFragmentDTS && !(f.allowGaps && dts > t.nextFragmentDTS) {
		return ti, 0, fmt.Errorf("track %d: fragment starts at %d, the previous one ended at %d", h.track, dts, t.nextFragmentDTS)
	}
	pos := h.base
	for _, run := range tr.children("trun") {
		samples, end, err := f.checkTrun(run, h, t, &dts, pos, mdat)
		if err != nil {
			return ti, 0, fmt.Errorf("track %d: %w", h.track, err)
		}
		ti.runs, pos = append(ti.runs, samples), end
	}
	t.seenFragment, t.nextFragmentDTS = true, dts
	return ti, pos, nil
}

// checkTrun reads one trun, advances dts by its durations and checks
// that its data [start, end) is inside mdat's payload.
func (f *file) checkTrun(run *box, h tfhd, t *trackInfo, dts *uint64, pos int64, mdat *box) ([]sampleInfo, int64, error) {
	r := reader{b: run.payload()}
	_, flags := r.full()
	n := int(r.u32())
	if n > maxSamplesPerRun || int64(t.samples+n) > f.size {
		return nil, 0, fmt.Errorf("trun of %d samples (more samples than bytes in the file)", n)
	}
	start := pos
	if flags&trunDataOffset != 0 {
		start = h.base + int64(int32(r.u32()))
	}
	first, hasFirst := uint32(0), flags&trunFirstFlags != 0
	if hasFirst {
		first = r.u32()
	}
	out := make([]sampleInfo, 0, min(n, len(r.b)/4+1))
	var size int64
	for i := range n {
		dur, sz, fl := h.duration, h.size, h.sflag
		if flags&trunHasDuration != 0 {
			dur = r.u32()
		}
		if flags&trunHasSize != 0 {
			sz = r.u32()
		}
		if flags&trunHasFlags != 0 {
			fl = r.u32()
		}
		var cts int64
		if flags&trunHasCTS != 0 {
			cts = int64(int32(r.u32())) // version 0's unsigned offsets fit 31 bits in practice
		}
		if i == 0 && hasFirst {
			fl = first
		}
		if r.bad {
			return nil, 0, fmt.Errorf("trun: %d samples do not fit its %d bytes", n, run.size)
		}
		out = append(out, sampleInfo{pts: int64(*dts) + cts, sync: fl&sampleIsNonSync == 0})
		t.list = append(t.list, Sample{DTS: int64(*dts), PTS: int64(*dts) + cts, Sync: fl&sampleIsNonSync == 0, Size: sz})
		if fl&sampleIsNonSync == 0 {
			t.sync++
		}
		*dts += uint64(dur)
		size += int64(sz)
	}
	if r.off != len(r.b) {
		return nil, 0, errors.New("trun: trailing bytes")
	}
	if n > 0 && (start < mdat.off+mdat.hdr || start+size > mdat.off+mdat.size) {
		return nil, 0, fmt.Errorf("trun data [%d, %d) is not inside the following mdat [%d, %d)",
			start, start+size, mdat.off+mdat.hdr, mdat.off+mdat.size)
	}
	t.samples += n
	return out, start + size, nil
}
