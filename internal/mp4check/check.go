package mp4check

import (
	"errors"
	"fmt"
)

// check validates the top-level layout and the tables.
func check(top []*Box, size int64) (*Report, error) {
	r := &Report{Samples: map[uint32]int64{}, Boxes: top}
	for _, b := range top {
		r.Top = append(r.Top, b.Type)
	}
	if len(top) == 0 || top[0].Type != "ftyp" {
		return nil, errors.New("no ftyp first")
	}
	var moov *Box
	for _, b := range top {
		if b.Type == "moov" {
			if moov != nil {
				return nil, errors.New("two moov boxes")
			}
			moov = b
		}
	}
	if moov == nil {
		return nil, errors.New("no moov")
	}
	if moov.Child("mvex") != nil {
		r.Fragmented = true
		return r, checkFragments(top, moov, r)
	}
	return r, checkProgressive(top, moov, r)
}

// mdatRanges are the payload ranges of the mdat boxes.
func mdatRanges(top []*Box) [][2]int64 {
	var out [][2]int64
	for _, b := range top {
		if b.Type == "mdat" {
			out = append(out, [2]int64{b.Off + b.Hdr, b.Off + b.Size})
		}
	}
	return out
}

func inside(rs [][2]int64, off, n int64) bool {
	for _, r := range rs {
		if off >= r[0] && off+n <= r[1] {
			return true
		}
	}
	return false
}

// table reads a full box's version/flags and entry count, checking that
// count entries of size each fit exactly.
func table(b *Box, head, each int) (count int, body []byte, err error) {
	if b == nil {
		return 0, nil, errors.New("missing")
	}
	p := b.Payload
	if len(p) < head {
		return 0, nil, fmt.Errorf("%s: %d bytes", b.Type, len(p))
	}
	count = int(be.Uint32(p[head-4:]))
	if len(p)-head != count*each {
		return 0, nil, fmt.Errorf("%s: %d entries of %d bytes in %d bytes", b.Type, count, each, len(p)-head)
	}
	return count, p[head:], nil
}

func checkProgressive(top []*Box, moov *Box, r *Report) error {
	rs := mdatRanges(top)
	for _, trak := range moov.All("trak") {
		id := be.Uint32(trak.Child("tkhd").Payload[4+16:])
		if trak.Child("tkhd").Payload[0] == 0 {
			id = be.Uint32(trak.Child("tkhd").Payload[4+8:])
		}
		stbl := trak.path("mdia", "minf", "stbl")
		if stbl == nil {
			return fmt.Errorf("track %d: no stbl", id)
		}
		n, err := trackTables(stbl, rs)
		if err != nil {
			return fmt.Errorf("track %d: %w", id, err)
		}
		r.Samples[id] = n
	}
	return nil
}

// trackTables checks one progressive track's tables and returns its
// sample count.
func trackTables(stbl *Box, rs [][2]int64) (int64, error) {
	nStts, stts, err := table(stbl.Child("stts"), 8, 8)
	if err != nil {
		return 0, fmt.Errorf("stts: %w", err)
	}
	var n int64
	for i := range nStts {
		n += int64(be.Uint32(stts[8*i:]))
	}
	sz := stbl.Child("stsz")
	if sz == nil || len(sz.Payload) < 12 {
		return 0, errors.New("no stsz")
	}
	fixed := be.Uint32(sz.Payload[4:])
	sizes := make([]int64, 0, n)
	if fixed == 0 {
		cnt, body, err := table(sz, 12, 4)
		if err != nil {
			return 0, err
		}
		for i := range cnt {
			sizes = append(sizes, int64(be.Uint32(body[4*i:])))
		}
	} else {
		for range be.Uint32(sz.Payload[8:]) {
			sizes = append(sizes, int64(fixed))
		}
	}
	if int64(len(sizes)) != n {
		return 0, fmt.Errorf("stts counts %d samples, stsz %d", n, len(sizes))
	}
	if c := stbl.Child("ctts"); c != nil {
		cnt, body, err := table(c, 8, 8)
		if err != nil {
			return 0, err
		}
		var m int64
		for i := range cnt {
			m += int64(be.Uint32(body[8*i:]))
		}
		if m != n {
			return 0, fmt.Errorf("ctts counts %d samples, stts %d", m, n)
		}
	}
	if s := stbl.Child("stss"); s != nil {
		cnt, body, err := table(s, 8, 4)
		if err != nil {
			return 0, err
		}
		prev := uint32(0)
		for i := range cnt {
			v := be.Uint32(body[4*i:])
			if v <= prev || int64(v) > n {
				return 0, fmt.Errorf("stss entry %d: sample %d of %d", i, v, n)
			}
			prev = v
		}
	}
	offs, err := chunkOffsets(stbl)
	if err != nil {
		return 0, err
	}
	return n, checkChunks(stbl, offs, sizes, rs)
}

func chunkOffsets(stbl *Box) ([]int64, error) {
	var out []int64
	if c := stbl.Child("co64"); c != nil {
		cnt, body, err := table(c, 8, 8)
		if err != nil {
			return nil, err
		}
		for i := range cnt {
			out = append(out, int64(be.Uint64(body[8*i:])))
		}
		return out, nil
	}
	cnt, body, err := table(stbl.Child("stco"), 8, 4)
	if err != nil {
		return nil, fmt.Errorf("stco: %w", err)
	}
	for i := range cnt {
		out = append(out, int64(be.Uint32(body[4*i:])))
	}
	return out, nil
}

// checkChunks expands stsc over the chunks: the samples it places must be
// exactly the track's, and every chunk must lie inside an mdat.
func checkChunks(stbl *Box, offs, sizes []int64, rs [][2]int64) error {
	cnt, body, err := table(stbl.Child("stsc"), 8, 12)
	if err != nil {
		return fmt.Errorf("stsc: %w", err)
	}
	if len(offs) > 0 && (cnt == 0 || be.Uint32(body) != 1) {
		return errors.New("stsc does not start at chunk 1")
	}
	s := 0
	for i := range cnt {
		first, per := int(be.Uint32(body[12*i:])), int(be.Uint32(body[12*i+4:]))
		last := len(offs)
		if i+1 < cnt {
			last = int(be.Uint32(body[12*(i+1):])) - 1
		}
		if first < 1 || last < first-1 || last > len(offs) {
			return fmt.Errorf("stsc entry %d: chunks %d..%d of %d", i, first, last, len(offs))
		}
		for c := first; c <= last; c++ {
			var n int64
			for range per {
				if s >= len(sizes) {
					return fmt.Errorf("stsc places more samples than the %d of stsz", len(sizes))
				}
				n += sizes[s]
				s++
			}
			if !inside(rs, offs[c-1], n) {
				return fmt.Errorf("chunk %d (%d bytes at %d) is not inside an mdat", c, n, offs[c-1])
			}
		}
	}
	if s != len(sizes) {
		return fmt.Errorf("stsc places %d samples, stsz has %d", s, len(sizes))
	}
	return nil
}
