package mp4check

import (
	"errors"
	"fmt"
)

// checkFragments checks a fragmented file: after the moov, moof+mdat
// pairs whose runs lie in their mdat, sequence numbers that increase,
// decode times that increase from fragment to fragment within a track
// (a fragment's last duration is a guess a muxer may not know yet, so
// the next tfdt may start inside it), and an optional mfra
// last whose entries point at moofs.
func checkFragments(top []*Box, moov *Box, r *Report) error {
	i := 0
	for i < len(top) && top[i].Type != "moov" {
		i++
	}
	moofs := map[int64]bool{}
	ends := map[uint32]int64{}
	var seq uint32
	for i++; i < len(top); i++ {
		b := top[i]
		if b.Type == "mfra" {
			if i != len(top)-1 {
				return errors.New("mfra is not the last box")
			}
			return checkMfra(b, moofs, r)
		}
		if b.Type != "moof" || i+1 == len(top) || top[i+1].Type != "mdat" {
			return fmt.Errorf("box %q at %d: want a moof followed by an mdat", b.Type, b.Off)
		}
		mfhd := b.Child("mfhd")
		if mfhd == nil || len(mfhd.Payload) < 8 || be.Uint32(mfhd.Payload[4:]) <= seq {
			return fmt.Errorf("moof at %d: missing or non-increasing sequence number", b.Off)
		}
		seq = be.Uint32(mfhd.Payload[4:])
		md := top[i+1]
		for _, traf := range b.All("traf") {
			if err := checkTraf(traf, b.Off, [2]int64{md.Off + md.Hdr, md.Off + md.Size}, ends, r); err != nil {
				return fmt.Errorf("moof at %d: %w", b.Off, err)
			}
		}
		moofs[b.Off] = true
		r.Fragments++
		i++
	}
	return nil
}

func checkTraf(traf *Box, moofAt int64, mdat [2]int64, ends map[uint32]int64, r *Report) error {
	tfhd, tfdt, trun := traf.Child("tfhd"), traf.Child("tfdt"), traf.Child("trun")
	if tfhd == nil || tfdt == nil || trun == nil || len(tfhd.Payload) < 8 || len(tfdt.Payload) < 12 || len(trun.Payload) < 8 {
		return errors.New("traf without tfhd, tfdt (version 1) or trun")
	}
	if be.Uint32(tfhd.Payload)&0x020000 == 0 {
		return errors.New("tfhd without default-base-is-moof")
	}
	id := be.Uint32(tfhd.Payload[4:])
	dts := int64(be.Uint64(tfdt.Payload[4:]))
	if last, ok := ends[id]; ok && dts <= last {
		return fmt.Errorf("track %d: decode time %d not after the previous fragment's last sample at %d", id, dts, last)
	}
	p := trun.Payload
	flags, n := be.Uint32(p)&0xffffff, int(be.Uint32(p[4:]))
	if flags != 0x000f01 || len(p) != 12+16*n || n == 0 {
		return fmt.Errorf("track %d: trun flags %#x with %d samples in %d bytes", id, flags, n, len(p))
	}
	off := moofAt + int64(int32(be.Uint32(p[8:])))
	var total, dur int64
	for k := range n - 1 { // decode time of the last sample: the durations before it
		dur += int64(be.Uint32(p[12+16*k:]))
	}
	for k := range n {
		total += int64(be.Uint32(p[12+16*k+4:]))
	}
	if off < mdat[0] || off+total > mdat[1] {
		return fmt.Errorf("track %d: %d bytes of data at %d outside the mdat [%d,%d)", id, total, off, mdat[0], mdat[1])
	}
	ends[id] = dts + dur
	r.Samples[id] += int64(n)
	return nil
}

func checkMfra(b *Box, moofs map[int64]bool, r *Report) error {
	mfro := b.Child("mfro")
	if mfro == nil || b.Children[len(b.Children)-1] != mfro || len(mfro.Payload) != 8 || int64(be.Uint32(mfro.Payload[4:])) != b.Size {
		return errors.New("mfra without an mfro giving its size last")
	}
	for _, tfra := range b.All("tfra") {
		p := tfra.Payload
		if len(p) < 16 || p[0] != 1 || be.Uint32(p[8:])&0x3f != 0 {
			return errors.New("tfra: want version 1 with 1-byte traf/trun/sample numbers")
		}
		n := int(be.Uint32(p[12:]))
		if len(p) != 16+19*n {
			return fmt.Errorf("tfra: %d entries in %d bytes", n, len(p))
		}
		for k := range n {
			at := int64(be.Uint64(p[16+19*k+8:]))
			if !moofs[at] {
				return fmt.Errorf("tfra entry %d points at %d, no moof there", k, at)
			}
			r.RandomAccess++
		}
	}
	return nil
}
