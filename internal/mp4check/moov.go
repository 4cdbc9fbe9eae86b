package mp4check

import (
	"errors"
	"fmt"
)

// readMoov reads every track's header and sample tables and checks them;
// mvex's trex boxes give the defaults of fragmented tracks.
func (f *file) readMoov(moov *box) error {
	if moov.child("mvhd") == nil {
		return errors.New("moov without mvhd")
	}
	traks := moov.children("trak")
	if len(traks) == 0 {
		return errors.New("moov without trak")
	}
	movieTS, err := f.movieTimescale(moov)
	if err != nil {
		return err
	}
	for _, tr := range traks {
		if err := f.readTrak(tr, movieTS); err != nil {
			return err
		}
	}
	if mvex := moov.child("mvex"); mvex != nil {
		for _, x := range mvex.children("trex") {
			if err := f.readTrex(x); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *file) readTrak(tr *box, movieTS uint32) error {
	tkhd := tr.child("tkhd")
	if tkhd == nil {
		return fmt.Errorf("trak at %d without tkhd", tr.off)
	}
	r := reader{b: tkhd.payload()}
	v, _ := r.full()
	if v == 1 {
		r.take(16)
	} else {
		r.take(8)
	}
	id := r.u32()
	if r.bad || id == 0 {
		return fmt.Errorf("tkhd at %d: bad track_ID", tkhd.off)
	}
	if f.tracks[id] != nil {
		return fmt.Errorf("track_ID %d twice", id)
	}
	t := &trackInfo{}
	f.tracks[id], f.order = t, append(f.order, id)
	mdhd, hdlr := tr.path("mdia", "mdhd"), tr.path("mdia", "hdlr")
	stbl := tr.path("mdia", "minf", "stbl")
	if mdhd == nil || hdlr == nil || stbl == nil {
		return fmt.Errorf("track %d: mdhd, hdlr or stbl missing", id)
	}
	r = reader{b: mdhd.payload()}
	if v, _ := r.full(); v == 1 {
		r.take(16)
	} else {
		r.take(8)
	}
	t.timescale = r.u32()
	h := reader{b: hdlr.payload()}
	h.take(8)
	t.handler = string(h.take(4))
	if r.bad || h.bad || t.timescale == 0 {
		return fmt.Errorf("track %d: bad mdhd or hdlr", id)
	}
	if err := f.checkStbl(t, stbl); err != nil {
		return fmt.Errorf("track %d: %w", id, err)
	}
	var err error
	if t.shift, err = f.editShift(tr, movieTS, t.timescale); err != nil {
		return fmt.Errorf("track %d: %w", id, err)
	}
	return nil
}

// readTrex keeps a fragmented track's defaults.
func (f *file) readTrex(x *box) error {
	r := reader{b: x.payload()}
	r.full()
	id := r.u32()
	r.u32() // default sample description index
	dur, size, flags := r.u32(), r.u32(), r.u32()
	t := f.tracks[id]
	if r.bad || t == nil {
		return fmt.Errorf("trex at %d: bad, or for unknown track %d", x.off, id)
	}
	t.fragmented, t.trexDuration, t.trexSize, t.trexFlags = true, dur, size, flags
	return nil
}

// checkStbl checks that a track's sample tables agree: the sample count
// of stts, stsz, stsc (over the chunks of stco/co64) and ctts is the
// same, stss numbers samples that exist in increasing order, and every
// chunk's samples lie inside an mdat.
func (f *file) checkStbl(t *trackInfo, stbl *box) error {
	stsd := stbl.child("stsd")
	if stsd == nil {
		return errors.New("no stsd")
	}
	sd := reader{b: stsd.payload()}
	sd.full()
	entries := int(sd.u32())
	if entries == 0 || entries != len(stsd.kids) {
		return fmt.Errorf("stsd says %d entries, holds %d boxes", entries, len(stsd.kids))
	}
	n, err := f.sttsCount(stbl)
	if err != nil {
		return err
	}
	sizes, err := f.stszSizes(stbl, n)
	if err != nil {
		return err
	}
	if err := f.cttsCount(stbl, n); err != nil {
		return err
	}
	sync, err := f.stssCount(stbl, n)
	if err != nil {
		return err
	}
	chunks, err := f.chunkOffsets(stbl)
	if err != nil {
		return err
	}
	perChunk, err := f.stscRuns(stbl, len(chunks), entries)
	if err != nil {
		return err
	}
	s := 0
	for c, off := range chunks {
		per := perChunk[c]
		if per > n-s {
			return fmt.Errorf("stsc places more samples than the %d of stts", n)
		}
		span := int64(per) * int64(sizes.fixed)
		if sizes.fixed == 0 {
			for _, z := range sizes.each[s : s+per] {
				span += int64(z)
			}
		}
		s += per
		if !f.inMdat(off, span) {
			return fmt.Errorf("chunk %d at %d (%d bytes) is not inside an mdat", c+1, off, span)
		}
	}
	if s != n {
		return fmt.Errorf("stsc places %d samples, stts has %d", s, n)
	}
	t.samples, t.sync = n, sync
	t.list = f.tableSamples(stbl, n, sizes)
	return nil
}

// maxSamples bounds a track's samples (a day at 1000 a second is 86.4
// million), so a crafted count cannot make the check run for ever.
const maxSamples = 1 << 28

func (f *file) sttsCount(stbl *box) (int, error) {
	b := stbl.child("stts")
	if b == nil {
		return 0, errors.New("no stts")
	}
	r := reader{b: b.payload()}
	r.full()
	n := 0
	for range r.count(8) {
		c := int(r.u32())
		r.u32()
		if n += c; n > maxSamples {
			return 0, fmt.Errorf("stts: more than %d samples", maxSamples)
		}
	}
	if r.bad || r.off != len(r.b) {
		return 0, errors.New("stts: entry count and size disagree")
	}
	return n, nil
}

// sampleSizes is stsz: one size for every sample, or each one's.
type sampleSizes struct {
	fixed uint32
	each  []uint32
}

func (f *file) stszSizes(stbl *box, n int) (sampleSizes, error) {
	var out sampleSizes
	b := stbl.child("stsz")
	if b == nil {
		return out, errors.New("no stsz")
	}
	r := reader{b: b.payload()}
	r.full()
	if out.fixed = r.u32(); out.fixed != 0 {
		if c := int(r.u32()); r.bad || c != n || r.off != len(r.b) {
			return out, fmt.Errorf("stsz counts %d samples, stts %d", c, n)
		}
		return out, nil
	}
	c := r.count(4)
	if r.bad || c != n {
		return out, fmt.Errorf("stsz counts %d samples, stts %d", c, n)
	}
	out.each = make([]uint32, c)
	for i := range out.each {
		out.each[i] = r.u32()
	}
	if r.off != len(r.b) {
		return out, errors.New("stsz: trailing bytes")
	}
	return out, nil
}

func (f *file) cttsCount(stbl *box, n int) error {
	b := stbl.child("ctts")
	if b == nil {
		return nil
	}
	r := reader{b: b.payload()}
	r.full()
	c := 0
	for range r.count(8) {
		c += int(r.u32())
		r.u32()
	}
	if r.bad || r.off != len(r.b) || c != n {
		return fmt.Errorf("ctts counts %d samples, stts %d", c, n)
	}
	return nil
}

// stssCount returns the number of sync samples: stss's entries, each a
// sample that exists, in increasing order; every sample without stss.
func (f *file) stssCount(stbl *box, n int) (int, error) {
	b := stbl.child("stss")
	if b == nil {
		return n, nil
	}
	r := reader{b: b.payload()}
	r.full()
	c := r.count(4)
	prev := uint32(0)
	for range c {
		s := r.u32()
		if s <= prev || int(s) > n {
			return 0, fmt.Errorf("stss entry %d after %d, of %d samples", s, prev, n)
		}
		prev = s
	}
	if r.bad || r.off != len(r.b) {
		return 0, errors.New("stss: entry count and size disagree")
	}
	return c, nil
}

func (f *file) chunkOffsets(stbl *box) ([]int64, error) {
	b, wide := stbl.child("stco"), false
	if b == nil {
		b, wide = stbl.child("co64"), true
	}
	if b == nil {
		return nil, errors.New("no stco or co64")
	}
	r := reader{b: b.payload()}
	r.full()
	size := 4
	if wide {
		size = 8
	}
	out := make([]int64, r.count(size))
	for i := range out {
		if wide {
			out[i] = int64(r.u64())
		} else {
			out[i] = int64(r.u32())
		}
	}
	if r.bad || r.off != len(r.b) {
		return nil, errors.New("chunk offsets: entry count and size disagree")
	}
	return out, nil
}

// stscRuns expands stsc into the number of samples of each chunk.
func (f *file) stscRuns(stbl *box, chunks, entries int) ([]int, error) {
	b := stbl.child("stsc")
	if b == nil {
		return nil, errors.New("no stsc")
	}
	r := reader{b: b.payload()}
	r.full()
	n := r.count(12)
	type run struct{ first, per int }
	runs := make([]run, n)
	for i := range runs {
		runs[i] = run{int(r.u32()), int(r.u32())}
		desc := int(r.u32())
		switch {
		case i == 0 && runs[i].first != 1, i > 0 && runs[i].first <= runs[i-1].first, runs[i].first > chunks:
			return nil, fmt.Errorf("stsc entry %d: first chunk %d of %d", i, runs[i].first, chunks)
		case runs[i].per == 0 || desc < 1 || desc > entries:
			return nil, fmt.Errorf("stsc entry %d: %d samples, description %d", i, runs[i].per, desc)
		}
	}
	if r.bad || r.off != len(r.b) || n == 0 && chunks > 0 {
		return nil, errors.New("stsc: entry count and size disagree")
	}
	out := make([]int, chunks)
	for i, rn := range runs {
		end := chunks
		if i+1 < len(runs) {
			end = runs[i+1].first - 1
		}
		for c := rn.first - 1; c < end; c++ {
			out[c] = rn.per
		}
	}
	return out, nil
}
