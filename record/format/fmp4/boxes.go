package fmp4

import (
	"errors"
	"fmt"
	"io"
)

// errTorn says a box does not lie whole in the file: a crash cut it.
var errTorn = errors.New("fmp4: torn box")

// ErrNotFragmented says an MP4 file is not fragmented (a progressive
// one): there is nothing for fMP4 repair or append to do with it.
var ErrNotFragmented = errors.New("fmp4: not a fragmented MP4")

// errDamaged says the file is not a fragmented MP4 of ours, or is damaged
// before its tail.
var errDamaged = errors.New("fmp4: not a recording of ours or damaged")

// boxAt is a top-level box's header as found in the file.
type boxAt struct {
	typ  string
	off  int64
	size int64 // the whole box
	hdr  int64 // header bytes (8, or 16 with a 64-bit size)
}

func (b boxAt) end() int64 { return b.off + b.size }

// readBox reads the header of the box at off in a file of size bytes;
// errTorn when the header or the box passes the end. A size of 0 (to the
// end of the file) is never written by us, and is what a tail of zero
// bytes (a crash on a file system that extended the file first) reads as:
// torn too.
func readBox(r io.ReaderAt, off, size int64) (boxAt, error) {
	var h [16]byte
	if size-off < 8 {
		return boxAt{off: off}, errTorn
	}
	if _, err := r.ReadAt(h[:8], off); err != nil {
		return boxAt{off: off}, fmt.Errorf("read box header at %d: %w", off, err)
	}
	b := boxAt{typ: string(h[4:8]), off: off, size: int64(be.Uint32(h[:4])), hdr: 8}
	if b.size == 1 {
		if size-off < 16 {
			return b, errTorn
		}
		if _, err := r.ReadAt(h[8:16], off+8); err != nil {
			return b, fmt.Errorf("read box header at %d: %w", off, err)
		}
		b.size, b.hdr = int64(be.Uint64(h[8:16])), 16
	}
	if b.size < b.hdr || b.size > size-off {
		return b, errTorn
	}
	return b, nil
}

// child is a box inside a box read into memory.
type child struct {
	typ  string
	off  int // offset of the box in the parent's buffer
	body []byte
}

// children splits b into boxes; a child that does not fit is damage (the
// parent was read whole).
func children(b []byte, base int) ([]child, error) {
	var out []child
	for off := 0; off < len(b); {
		if len(b)-off < 8 {
			return nil, fmt.Errorf("%w: %d stray bytes in a box", errDamaged, len(b)-off)
		}
		size := int(be.Uint32(b[off:]))
		if size < 8 || size > len(b)-off {
			return nil, fmt.Errorf("%w: box %q of %d bytes in %d", errDamaged, b[off+4:off+8], size, len(b)-off)
		}
		out = append(out, child{typ: string(b[off+4 : off+8]), off: base + off, body: b[off+8 : off+size]})
		off += size
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

// path descends from b through the first child of each type.
func path(b []byte, base int, types ...string) (child, error) {
	c := child{body: b, off: base - 8}
	for _, t := range types {
		cs, err := children(c.body, c.off+8)
		if err != nil {
			return child{}, err
		}
		var ok bool
		if c, ok = find(cs, t); !ok {
			return child{}, fmt.Errorf("%w: no %s", errDamaged, t)
		}
	}
	return c, nil
}
