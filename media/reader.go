package media

import "encoding/binary"

// reader reads big-endian fields with bounds checks.
type reader struct {
	b   []byte
	off int
}

func (r *reader) take(n int) ([]byte, bool) {
	if n < 0 || n > len(r.b)-r.off {
		return nil, false
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p, true
}

func (r *reader) rest() []byte { return r.b[r.off:] }

func (r *reader) u8() (uint8, bool) {
	p, ok := r.take(1)
	if !ok {
		return 0, false
	}
	return p[0], true
}

func (r *reader) u16() (uint16, bool) {
	p, ok := r.take(2)
	if !ok {
		return 0, false
	}
	return binary.BigEndian.Uint16(p), true
}

func (r *reader) u24() (uint32, bool) {
	p, ok := r.take(3)
	if !ok {
		return 0, false
	}
	return uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2]), true
}

func (r *reader) u32() (uint32, bool) {
	p, ok := r.take(4)
	if !ok {
		return 0, false
	}
	return binary.BigEndian.Uint32(p), true
}
