package mp4box

import (
	"encoding/binary"
	"errors"
	"io"

	gomp4 "github.com/abema/go-mp4"
)

// sparse is an io.WriteSeeker that keeps what was written as segments and
// leaves holes where the caller skipped ahead: the room of sample tables
// that are streamed into the file later, so a movie header of any length
// is laid out in a few hundred bytes of memory.
type sparse struct {
	segs []segment
	pos  int64
	end  int64
}

// segment is bytes written at an offset.
type segment struct {
	off int64
	b   []byte
}

func (s *sparse) Write(p []byte) (int, error) {
	n := len(p)
	for _, sg := range s.segs { // overwrites: go-mp4 patches box sizes
		if s.pos >= sg.off && s.pos < sg.off+int64(len(sg.b)) {
			c := copy(sg.b[s.pos-sg.off:], p)
			p, s.pos = p[c:], s.pos+int64(c)
		}
	}
	if len(p) > 0 {
		if k := len(s.segs) - 1; k >= 0 && s.segs[k].off+int64(len(s.segs[k].b)) == s.pos {
			s.segs[k].b = append(s.segs[k].b, p...)
		} else {
			s.segs = append(s.segs, segment{off: s.pos, b: append([]byte(nil), p...)})
		}
		s.pos += int64(len(p))
	}
	s.end = max(s.end, s.pos)
	return n, nil
}

func (s *sparse) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += s.pos
	case io.SeekEnd:
		off += s.end
	}
	if off < 0 {
		return 0, errors.New("mp4box: negative seek")
	}
	s.pos = off
	s.end = max(s.end, off)
	return off, nil
}

// builder writes boxes with go-mp4; the first error sticks.
type builder struct {
	s   sparse
	w   *gomp4.Writer
	err error
}

func newBuilder() *builder {
	b := &builder{}
	b.w = gomp4.NewWriter(&b.s)
	return b
}

// start opens a container box.
func (b *builder) start(typ string) {
	if b.err == nil {
		_, b.err = b.w.StartBox(&gomp4.BoxInfo{Type: gomp4.StrToBoxType(typ)})
	}
}

// end closes the innermost open box, writing its size.
func (b *builder) end() {
	if b.err == nil {
		_, b.err = b.w.EndBox()
	}
}

// box writes a whole box marshalled by go-mp4.
func (b *builder) box(x gomp4.IImmutableBox) {
	b.start(x.GetType().String())
	b.payload(x)
	b.end()
}

// payload marshals x's fields into the open box.
func (b *builder) payload(x gomp4.IImmutableBox) {
	if b.err == nil {
		_, b.err = gomp4.Marshal(b.w, x, gomp4.Context{})
	}
}

// raw writes a box whose payload is bytes as they are (a codec
// configuration record carried verbatim).
func (b *builder) raw(typ string, payload []byte) {
	b.start(typ)
	b.write(payload)
	b.end()
}

func (b *builder) write(p []byte) {
	if b.err == nil {
		_, b.err = b.w.Write(p)
	}
}

// pos is the current offset from the start of the built bytes.
func (b *builder) pos() int64 { return b.s.pos }

// hole writes a box header for a payload of n bytes and leaves the
// payload out, to be written later at the returned payload offset.
func (b *builder) hole(typ string, n int64) int64 {
	var h [8]byte
	binary.BigEndian.PutUint32(h[:], uint32(8+n))
	copy(h[4:], typ)
	b.write(h[:])
	off := b.s.pos
	if b.err == nil {
		_, b.err = b.s.Seek(n, io.SeekCurrent)
	}
	return off
}

// Layout is a built box sequence: bytes at offsets, and holes between
// them that the caller fills.
type Layout struct {
	Size int64
	segs []segment
}

func (b *builder) layout() (Layout, error) {
	if b.err != nil {
		return Layout{}, b.err
	}
	return Layout{Size: b.s.end, segs: b.s.segs}, nil
}

// WriteAt writes the layout's bytes at base (holes excepted).
func (l Layout) WriteAt(w io.WriterAt, base int64) error {
	for _, sg := range l.segs {
		if _, err := w.WriteAt(sg.b, base+sg.off); err != nil {
			return err
		}
	}
	return nil
}

// Bytes returns the layout as one slice (holes zero): for layouts
// without holes, such as an fMP4 init segment.
func (l Layout) Bytes() []byte {
	out := make([]byte, l.Size)
	for _, sg := range l.segs {
		copy(out[sg.off:], sg.b)
	}
	return out
}
