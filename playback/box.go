package playback

import (
	"encoding/binary"
	"fmt"
	"io"
)

var be = binary.BigEndian

// boxAt is a box header read from a file.
type boxAt struct {
	typ  string
	off  int64 // where the box starts
	hdr  int64 // header length: 8, or 16 with a 64-bit size
	size int64 // whole box
}

func (b boxAt) end() int64  { return b.off + b.size }
func (b boxAt) body() int64 { return b.off + b.hdr }

// readBox reads the box header at off; the box must end by limit.
func readBox(r io.ReaderAt, off, limit int64) (boxAt, error) {
	var h [16]byte
	if limit-off < 8 {
		return boxAt{}, fmt.Errorf("%w: box header cut at %d", errDamaged, off)
	}
	n := min(int64(16), limit-off)
	if _, err := r.ReadAt(h[:n], off); err != nil && err != io.EOF {
		return boxAt{}, fmt.Errorf("read box at %d: %w", off, err)
	}
	b := boxAt{typ: string(h[4:8]), off: off, hdr: 8, size: int64(be.Uint32(h[:4]))}
	switch b.size {
	case 1:
		if n < 16 {
			return boxAt{}, fmt.Errorf("%w: box header cut at %d", errDamaged, off)
		}
		b.hdr, b.size = 16, int64(be.Uint64(h[8:]))
	case 0:
		b.size = limit - off
	}
	if b.size < b.hdr || b.size > limit-off {
		return boxAt{}, fmt.Errorf("%w: %q box of %d bytes at %d past %d", errDamaged, b.typ, b.size, off, limit)
	}
	return b, nil
}

// child is a box inside a buffer: its type and body.
type child struct {
	typ  string
	body []byte
}

// children splits a buffer of boxes; a box that does not fit is an error.
func children(b []byte) ([]child, error) {
	var out []child
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, fmt.Errorf("%w: %d stray bytes", errDamaged, len(b))
		}
		size, hdr := uint64(be.Uint32(b)), uint64(8)
		if size == 1 {
			if len(b) < 16 {
				return nil, fmt.Errorf("%w: short large box", errDamaged)
			}
			size, hdr = be.Uint64(b[8:]), 16
		}
		if size == 0 {
			size = uint64(len(b))
		}
		if size < hdr || size > uint64(len(b)) {
			return nil, fmt.Errorf("%w: %q box of %d bytes in %d", errDamaged, b[4:8], size, len(b))
		}
		out = append(out, child{typ: string(b[4:8]), body: b[hdr:size]})
		b = b[size:]
	}
	return out, nil
}

// find returns the first child of type typ.
func find(cs []child, typ string) (child, bool) {
	for _, c := range cs {
		if c.typ == typ {
			return c, true
		}
	}
	return child{}, false
}

// path descends through nested boxes, the first of each type.
func path(b []byte, types ...string) ([]byte, bool) {
	for _, t := range types {
		cs, err := children(b)
		if err != nil {
			return nil, false
		}
		c, ok := find(cs, t)
		if !ok {
			return nil, false
		}
		b = c.body
	}
	return b, true
}
