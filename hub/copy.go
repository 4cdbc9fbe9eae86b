package hub

import "github.com/rtmprecd/rtmprecd/media"

// slot holds a copy of one Frame for a queued reader or the GOP cache.
// Its buffers are reused: once a slot has held a stream's largest
// message, copying into it allocates nothing.
type slot struct {
	frame media.Frame
	units []media.Unit
	buf   []byte
}

// set copies f into the slot: the payload, and every unit with its Data
// and Tag pointing into the copy (units alias the payload; the rare slice
// that does not is copied after it).
func (sl *slot) set(f *media.Frame) {
	need := len(f.Payload)
	for i := range f.Units {
		u := &f.Units[i]
		if _, ok := offsetIn(u.Data, f.Payload); !ok {
			need += len(u.Data)
		}
		if _, ok := offsetIn(u.Tag, f.Payload); !ok {
			need += len(u.Tag)
		}
	}
	if cap(sl.buf) < need {
		sl.buf = make([]byte, 0, need)
	}
	sl.buf = append(sl.buf[:0], f.Payload...)
	p := sl.buf[:len(f.Payload):len(f.Payload)]
	sl.units = sl.units[:0]
	for i := range f.Units {
		u := f.Units[i]
		u.Data = sl.rebase(u.Data, f.Payload, p)
		u.Tag = sl.rebase(u.Tag, f.Payload, p)
		sl.units = append(sl.units, u)
	}
	sl.frame = *f
	sl.frame.Payload = p
	sl.frame.Units = sl.units
	if f.Units == nil {
		sl.frame.Units = nil
	}
}

// rebase returns b's counterpart in the copy p of from; a slice outside
// from is appended to the slot's buffer (whose capacity set reserved).
func (sl *slot) rebase(b, from, p []byte) []byte {
	if b == nil {
		return nil
	}
	if off, ok := offsetIn(b, from); ok {
		return p[off : off+len(b) : off+len(b)]
	}
	at := len(sl.buf)
	sl.buf = append(sl.buf, b...)
	return sl.buf[at:len(sl.buf):len(sl.buf)]
}

// offsetIn returns where b starts in from, when b is a sub-slice of it.
func offsetIn(b, from []byte) (int, bool) {
	if len(b) == 0 || len(from) == 0 || cap(b) > cap(from) {
		return 0, len(b) == 0
	}
	off := cap(from) - cap(b)
	if off+len(b) > len(from) || &from[off] != &b[0] {
		return 0, false
	}
	return off, true
}

// size is the memory the slot holds, for the GOP cache's bound.
func (sl *slot) size() int { return len(sl.buf) }
