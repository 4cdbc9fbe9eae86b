// Package mp4check is a strict, independent checker of MP4 and fragmented
// MP4 files, for tests: it shares no code with the muxers it checks (nor
// with go-mp4), walks every box, and verifies that sizes nest exactly,
// that no byte trails the last box, that every sample of a progressive
// file lies inside an mdat and its tables agree, and that every fragment's
// data lies inside the mdat that follows its moof and its random-access
// entries point at moof boxes that start with a sync sample.
package mp4check

import (
	"encoding/binary"
	"fmt"
	"io"
)

// box is one parsed box: its type, where it starts, its whole size, the
// size of its header (8, or 16 with a 64-bit size), its bytes (header
// included; nil for the media payload boxes, which are not read) and its
// children when it is a container.
type box struct {
	typ  string
	off  int64 // in the file
	size int64
	hdr  int64
	data []byte
	kids []*box
}

// payload returns the bytes after the box header.
func (b *box) payload() []byte { return b.data[b.hdr:] }

// child returns the first child of type typ, or nil.
func (b *box) child(typ string) *box {
	for _, k := range b.kids {
		if k.typ == typ {
			return k
		}
	}
	return nil
}

// children returns every child of type typ.
func (b *box) children(typ string) []*box {
	var out []*box
	for _, k := range b.kids {
		if k.typ == typ {
			out = append(out, k)
		}
	}
	return out
}

// path returns b's child, grandchild... of the given types, or nil.
func (b *box) path(types ...string) *box {
	for _, t := range types {
		if b = b.child(t); b == nil {
			return nil
		}
	}
	return b
}

// containers are boxes made only of boxes; skip is the bytes of fields
// before the first child (a FullBox header, an entry count, a sample
// entry's fixed fields).
var containers = map[string]int64{
	"moov": 0, "trak": 0, "mdia": 0, "minf": 0, "stbl": 0, "dinf": 0, "edts": 0, "mvex": 0,
	"moof": 0, "traf": 0, "mfra": 0, "udta": 0,
	"stsd": 8, "dref": 8,
	// Visual sample entries: 8 bytes of SampleEntry, 70 of VisualSampleEntry.
	"avc1": 78, "avc3": 78, "hvc1": 78, "hev1": 78, "av01": 78, "vp09": 78,
	// Audio sample entries (version 0): 8 + 20.
	"mp4a": 28, "Opus": 28, "ac-3": 28, "ec-3": 28, "fLaC": 28, ".mp3": 28,
}

// unread are top-level boxes whose payload the check never needs: media
// and padding. Only their headers are read, so a large file costs the
// memory of its metadata.
var unread = map[string]bool{"mdat": true, "free": true, "skip": true}

// maxDepth bounds nesting, so a crafted file cannot recurse without end.
const maxDepth = 16

// maxMeta bounds a top-level box that is read whole (a moov, a moof).
const maxMeta = 1 << 30

// parseTop reads the top-level boxes of a file of size bytes: their
// headers, and the whole of every box but media and padding. They must
// fill the file exactly.
func parseTop(r io.ReaderAt, size int64) ([]*box, error) {
	var out []*box
	var hdr [16]byte
	for off := int64(0); off < size; {
		n := min(size-off, 16)
		if _, err := r.ReadAt(hdr[:n], off); err != nil {
			return nil, fmt.Errorf("read at %d: %w", off, err)
		}
		b, err := parseHeader(hdr[:n], size-off, off)
		if err != nil {
			return nil, err
		}
		if !unread[b.typ] {
			if b.size > maxMeta {
				return nil, fmt.Errorf("%q at %d: %d bytes", b.typ, off, b.size)
			}
			b.data = make([]byte, b.size)
			if _, err := r.ReadAt(b.data, off); err != nil {
				return nil, fmt.Errorf("read %q at %d: %w", b.typ, off, err)
			}
			if err := parseKids(b, 1); err != nil {
				return nil, err
			}
		}
		out = append(out, b)
		off += b.size
	}
	return out, nil
}

// parseKids parses a container's children, which must fill it exactly.
func parseKids(b *box, depth int) error {
	skip, ok := containers[b.typ]
	if !ok {
		return nil
	}
	if depth > maxDepth {
		return fmt.Errorf("boxes nested deeper than %d at %d", maxDepth, b.off)
	}
	first := b.hdr + skip
	if first > b.size {
		return fmt.Errorf("%s at %d: %d bytes, shorter than its fixed fields", b.typ, b.off, b.size)
	}
	for off := first; off < b.size; {
		k, err := parseHeader(b.data[off:], b.size-off, b.off+off)
		if err != nil {
			return fmt.Errorf("in %s at %d: %w", b.typ, b.off, err)
		}
		k.data = b.data[off : off+k.size]
		if err := parseKids(k, depth+1); err != nil {
			return fmt.Errorf("in %s at %d: %w", b.typ, b.off, err)
		}
		b.kids = append(b.kids, k)
		off += k.size
	}
	return nil
}

// parseHeader reads the box header at the start of buf (which holds at
// least min(16, avail) bytes); the box must fit in avail bytes. at is its
// file offset.
func parseHeader(buf []byte, avail, at int64) (*box, error) {
	if avail < 8 {
		return nil, fmt.Errorf("%d stray bytes at %d", avail, at)
	}
	b := &box{off: at, hdr: 8, size: int64(binary.BigEndian.Uint32(buf)), typ: string(buf[4:8])}
	switch b.size {
	case 0:
		return nil, fmt.Errorf("%q at %d: size 0 (to the end of file) is not written by a finished recording", b.typ, at)
	case 1:
		if avail < 16 {
			return nil, fmt.Errorf("%q at %d: 64-bit size cut off", b.typ, at)
		}
		u := binary.BigEndian.Uint64(buf[8:])
		if u > uint64(avail) {
			return nil, fmt.Errorf("%q at %d: size %d runs past its parent's end", b.typ, at, u)
		}
		b.size, b.hdr = int64(u), 16
	}
	if b.size < b.hdr || b.size > avail {
		return nil, fmt.Errorf("%q at %d: size %d does not fit in %d bytes", b.typ, at, b.size, avail)
	}
	return b, nil
}

// reader reads big-endian fields of a payload, remembering a short read.
type reader struct {
	b   []byte
	off int
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || n < 0 || len(r.b)-r.off < n {
		r.bad = true
		return make([]byte, max(n, 0))
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *reader) u8() uint8   { return r.take(1)[0] }
func (r *reader) u16() uint16 { return binary.BigEndian.Uint16(r.take(2)) }
func (r *reader) u32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }
func (r *reader) u64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }

// full reads a FullBox's version and flags.
func (r *reader) full() (version uint8, flags uint32) {
	v := r.u32()
	return uint8(v >> 24), v & 0xffffff
}

// count reads an entry count and checks that n entries of size bytes
// each can follow, so a crafted count allocates nothing.
func (r *reader) count(size int) int {
	n := int(r.u32())
	if r.bad || size > 0 && n > (len(r.b)-r.off)/size {
		r.bad = true
		return 0
	}
	return n
}
