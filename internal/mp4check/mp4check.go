// Package mp4check is a strict, independent reader of the MP4 and
// fragmented MP4 files the recorder writes, for tests: it shares no code
// with the muxers (record/format/...) and fails on anything a lenient
// player would forgive: a box whose size does not nest exactly in its
// parent, bytes after the last box, a chunk offset or a fragment's data
// outside its mdat, sample tables whose counts disagree, an mfra entry
// that points at no moof.
package mp4check

import (
	"encoding/binary"
	"fmt"
	"os"
)

var be = binary.BigEndian

// Box is one box: its type, where it starts in the file, its whole size
// and its payload (nil for an mdat, which is not read into memory).
type Box struct {
	Type     string
	Off      int64
	Size     int64
	Hdr      int64
	Payload  []byte
	Children []*Box
}

// Report is what a check found in a valid file.
type Report struct {
	Top          []string // top-level box types in order
	Boxes        []*Box   // the top-level boxes (an mdat's payload is not read)
	Fragmented   bool
	Samples      map[uint32]int64 // per track ID
	Fragments    int
	RandomAccess int // mfra entries
}

// containers are the boxes whose payload is a sequence of boxes.
var containers = map[string]int{ // type → bytes before the children
	"moov": 0, "trak": 0, "mdia": 0, "minf": 0, "stbl": 0, "dinf": 0, "edts": 0,
	"mvex": 0, "moof": 0, "traf": 0, "mfra": 0, "stsd": 8, "dref": 8,
}

// File checks the file at path.
func File(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	top, err := readTop(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r, err := check(top, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// readTop reads the top-level boxes; every one but mdat is read whole
// and its children parsed.
func readTop(f *os.File, size int64) ([]*Box, error) {
	var out []*Box
	for off := int64(0); off < size; {
		var h [16]byte
		if size-off < 8 {
			return nil, fmt.Errorf("%d stray bytes at %d", size-off, off)
		}
		if _, err := f.ReadAt(h[:8], off); err != nil {
			return nil, err
		}
		b := &Box{Type: string(h[4:8]), Off: off, Size: int64(be.Uint32(h[:4])), Hdr: 8}
		if b.Size == 1 {
			if _, err := f.ReadAt(h[8:], off+8); err != nil {
				return nil, err
			}
			b.Size, b.Hdr = int64(be.Uint64(h[8:])), 16
		}
		if b.Size < b.Hdr || b.Size > size-off {
			return nil, fmt.Errorf("box %q at %d: size %d does not fit in the file (%d bytes left)", b.Type, off, b.Size, size-off)
		}
		if b.Type != "mdat" {
			if b.Size > 64<<20 {
				return nil, fmt.Errorf("box %q at %d: %d bytes", b.Type, off, b.Size)
			}
			b.Payload = make([]byte, b.Size-b.Hdr)
			if _, err := f.ReadAt(b.Payload, off+b.Hdr); err != nil {
				return nil, err
			}
			if err := parseChildren(b); err != nil {
				return nil, err
			}
		}
		out = append(out, b)
		off += b.Size
	}
	return out, nil
}

// parseChildren splits a container's payload into boxes that must fill
// it exactly.
func parseChildren(b *Box) error {
	skip, ok := containers[b.Type]
	if !ok {
		return nil
	}
	p := b.Payload
	if len(p) < skip {
		return fmt.Errorf("%s at %d: %d payload bytes", b.Type, b.Off, len(p))
	}
	for off := skip; off < len(p); {
		if len(p)-off < 8 {
			return fmt.Errorf("%s at %d: %d stray bytes at its end", b.Type, b.Off, len(p)-off)
		}
		size := int(be.Uint32(p[off:]))
		if size < 8 || size > len(p)-off {
			return fmt.Errorf("%s at %d: child %q of %d bytes overruns it (%d left)", b.Type, b.Off, p[off+4:off+8], size, len(p)-off)
		}
		c := &Box{Type: string(p[off+4 : off+8]), Off: b.Off + b.Hdr + int64(off), Size: int64(size), Hdr: 8,
			Payload: p[off+8 : off+size]}
		if b.Type == "stsd" {
			c.Payload = nil // a sample entry: fields, then boxes; not walked
		} else if err := parseChildren(c); err != nil {
			return err
		}
		b.Children = append(b.Children, c)
		off += size
	}
	return nil
}

// Child returns b's first child of type t, or nil.
func (b *Box) Child(t string) *Box {
	for _, c := range b.Children {
		if c.Type == t {
			return c
		}
	}
	return nil
}

// All returns every child of type t.
func (b *Box) All(t string) []*Box {
	var out []*Box
	for _, c := range b.Children {
		if c.Type == t {
			out = append(out, c)
		}
	}
	return out
}

// path descends through first children of the given types.
func (b *Box) path(types ...string) *Box {
	for _, t := range types {
		if b == nil {
			return nil
		}
		b = b.Child(t)
	}
	return b
}
