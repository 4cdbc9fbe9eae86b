package mp4check

import (
	"errors"
	"fmt"
)

// checkMfra checks the movie fragment random access box, when the file
// has one: it is the last box, its mfro gives its size, and each tfra
// entry points at a moof whose traf/trun/sample it names is a sync sample
// of that track presented at the entry's time.
func (f *file) checkMfra(rep *Report) error {
	var mfra *box
	for i, t := range f.top {
		if t.typ == "mfra" {
			if i != len(f.top)-1 {
				return fmt.Errorf("mfra at %d is not the last box", t.off)
			}
			mfra = t
		}
	}
	if mfra == nil {
		return nil
	}
	if len(mfra.kids) == 0 || mfra.kids[len(mfra.kids)-1].typ != "mfro" {
		return errors.New("mfra does not end with mfro")
	}
	mfro := mfra.kids[len(mfra.kids)-1]
	r := reader{b: mfro.payload()}
	r.full()
	if size := r.u32(); r.bad || int64(size) != mfra.size {
		return fmt.Errorf("mfro says %d bytes, mfra has %d", size, mfra.size)
	}
	for _, tfra := range mfra.children("tfra") {
		n, err := f.checkTfra(tfra)
		if err != nil {
			return fmt.Errorf("tfra at %d: %w", tfra.off, err)
		}
		rep.RandomAccess += n
	}
	return nil
}

func (f *file) checkTfra(b *box) (int, error) {
	r := reader{b: b.payload()}
	v, _ := r.full()
	track := r.u32()
	sizes := r.u32()
	lt, lr, ls := int(sizes>>4&3)+1, int(sizes>>2&3)+1, int(sizes&3)+1
	entry := 8 + lt + lr + ls
	if v == 1 {
		entry += 8
	}
	n := r.count(entry)
	if r.bad {
		return 0, errors.New("entry count and size disagree")
	}
	for i := range n {
		var at, moof uint64
		if v == 1 {
			at, moof = r.u64(), r.u64()
		} else {
			at, moof = uint64(r.u32()), uint64(r.u32())
		}
		traf, run, sample := readN(&r, lt), readN(&r, lr), readN(&r, ls)
		if err := f.randomAccess(track, at, int64(moof), traf, run, sample); err != nil {
			return 0, fmt.Errorf("entry %d: %w", i, err)
		}
	}
	if r.off != len(r.b) {
		return 0, errors.New("trailing bytes")
	}
	return n, nil
}

// readN reads an unsigned number of n bytes.
func readN(r *reader, n int) int {
	v := 0
	for _, c := range r.take(n) {
		v = v<<8 | int(c)
	}
	return v
}

// randomAccess checks one tfra entry against the moof it points at.
func (f *file) randomAccess(track uint32, at uint64, moof int64, traf, run, sample int) error {
	m := f.moofs[moof]
	if m == nil {
		return fmt.Errorf("offset %d is not a moof", moof)
	}
	if traf < 1 || traf > len(m.trafs) || m.trafs[traf-1].track != track {
		return fmt.Errorf("moof at %d has no traf %d of track %d", moof, traf, track)
	}
	runs := m.trafs[traf-1].runs
	if run < 1 || run > len(runs) || sample < 1 || sample > len(runs[run-1]) {
		return fmt.Errorf("moof at %d: no trun %d sample %d", moof, run, sample)
	}
	s := runs[run-1][sample-1]
	if !s.sync || s.pts != int64(at) {
		return fmt.Errorf("moof at %d: sample presented at %d (sync %v), the entry says a sync sample at %d", moof, s.pts, s.sync, at)
	}
	return nil
}
