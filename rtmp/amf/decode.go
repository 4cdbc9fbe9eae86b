package amf

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
)

// Decode decodes every value in b, in order. b may be reused by the caller
// afterwards: strings are copied. MaxElements also caps the number of
// top-level values.
func Decode(b []byte, lim Limits) ([]any, error) {
	d, err := newDecoder(b, lim)
	if err != nil {
		return nil, err
	}
	defer d.release()
	for d.off < len(d.b) {
		if len(d.elems) >= d.lim.MaxElements {
			return nil, fmt.Errorf("%w: more than %d values at offset %d", ErrLimit, d.lim.MaxElements, d.off)
		}
		v, err := d.value(0)
		if err != nil {
			return nil, err
		}
		d.elems = append(d.elems, v)
	}
	return d.popElems(0), nil
}

// DecodeOne decodes the first value in b and returns the bytes after it.
// MaxTotal applies to the whole of b.
func DecodeOne(b []byte, lim Limits) (v any, rest []byte, err error) {
	d, err := newDecoder(b, lim)
	if err != nil {
		return nil, nil, err
	}
	defer d.release()
	v, err = d.value(0)
	if err != nil {
		return nil, nil, err
	}
	return v, b[d.off:], nil
}

// decoder reads one buffer. Properties and array elements are gathered on
// the two scratch stacks and copied into exactly sized slices when their
// container ends, so memory follows the bytes really decoded, never the
// counts the input claims.
type decoder struct {
	b     []byte
	off   int
	lim   Limits
	props []Property
	elems []any
	// Initial scratch space: enough for a whole connect command.
	propBuf [16]Property
	elemBuf [16]any
}

// decoders recycles decoders with their scratch space: commands arrive on
// every connection, and the scratch is most of a decode's allocation.
var decoders = sync.Pool{New: func() any {
	d := &decoder{}
	d.props, d.elems = d.propBuf[:0], d.elemBuf[:0]
	return d
}}

func newDecoder(b []byte, lim Limits) (*decoder, error) {
	lim = lim.normalize()
	if len(b) > lim.MaxTotal {
		return nil, fmt.Errorf("%w: input of %d bytes (max %d)", ErrLimit, len(b), lim.MaxTotal)
	}
	d := decoders.Get().(*decoder)
	d.b, d.off, d.lim = b, 0, lim
	return d, nil
}

// release returns d to the pool, dropping every reference it holds and
// any scratch that hostile input grew.
func (d *decoder) release() {
	clear(d.props[:cap(d.props)])
	clear(d.elems[:cap(d.elems)])
	if cap(d.props) > len(d.propBuf) || cap(d.elems) > len(d.elemBuf) {
		return
	}
	d.b, d.props, d.elems = nil, d.props[:0], d.elems[:0]
	decoders.Put(d)
}

func (d *decoder) truncated(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrTruncated, what, d.off)
}

// take returns the next n bytes.
func (d *decoder) take(n int, what string) ([]byte, error) {
	if n > len(d.b)-d.off {
		return nil, d.truncated(what)
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

// value decodes one value; depth counts the containers around it.
func (d *decoder) value(depth int) (any, error) {
	p, err := d.take(1, "marker")
	if err != nil {
		return nil, err
	}
	switch m := p[0]; m {
	case markerNumber:
		p, err := d.take(8, "number")
		if err != nil {
			return nil, err
		}
		return boxNumber(math.Float64frombits(binary.BigEndian.Uint64(p))), nil
	case markerBool:
		p, err := d.take(1, "boolean")
		if err != nil {
			return nil, err
		}
		return p[0] != 0, nil
	case markerString:
		return d.str(2)
	case markerLongString:
		return d.str(4)
	case markerNull:
		return nil, nil
	case markerUndefined:
		return Undefined{}, nil
	case markerDate:
		p, err := d.take(10, "date")
		if err != nil {
			return nil, err
		}
		ms := math.Float64frombits(binary.BigEndian.Uint64(p))
		return Date{Ms: ms, TZ: int16(binary.BigEndian.Uint16(p[8:]))}, nil
	case markerObject, markerECMAArray, markerTypedObject, markerStrictArray:
		return d.container(m, depth+1)
	default:
		d.off--
		return nil, fmt.Errorf("%w: 0x%02x at offset %d", ErrMarker, m, d.off)
	}
}

// str reads a string whose length field is size bytes wide, as an
// interface holding a string.
func (d *decoder) str(size int) (any, error) {
	p, err := d.take(size, "string length")
	if err != nil {
		return nil, err
	}
	var n uint64
	if size == 2 {
		n = uint64(binary.BigEndian.Uint16(p))
	} else {
		n = uint64(binary.BigEndian.Uint32(p))
	}
	if n > uint64(d.lim.MaxStringLen) {
		return nil, fmt.Errorf("%w: string of %d bytes (max %d) at offset %d", ErrLimit, n, d.lim.MaxStringLen, d.off)
	}
	if p, err = d.take(int(n), "string"); err != nil {
		return nil, err
	}
	return intern(p), nil
}

// container decodes an object, ECMA array, typed object or strict array
// whose marker m was just read.
func (d *decoder) container(m byte, depth int) (any, error) {
	if depth > d.lim.MaxDepth {
		return nil, fmt.Errorf("%w: nesting deeper than %d at offset %d", ErrLimit, d.lim.MaxDepth, d.off-1)
	}
	switch m {
	case markerStrictArray:
		return d.strictArray(depth)
	case markerECMAArray:
		// The count is only a hint: encoders are known to write 0 and
		// then list properties, so read up to the end marker as nginx does.
		if _, err := d.take(4, "ecma array count"); err != nil {
			return nil, err
		}
		o, err := d.properties(depth)
		return ECMAArray(o), err
	case markerTypedObject:
		if _, err := d.str(2); err != nil { // class name, dropped
			return nil, err
		}
	}
	return d.properties(depth)
}

// strictArray reads a counted array. The count is checked against
// MaxElements and against the bytes left (every element takes at least
// one) before any element is read.
func (d *decoder) strictArray(depth int) ([]any, error) {
	p, err := d.take(4, "strict array count")
	if err != nil {
		return nil, err
	}
	n := uint64(binary.BigEndian.Uint32(p))
	if n > uint64(d.lim.MaxElements) {
		return nil, fmt.Errorf("%w: strict array of %d elements (max %d) at offset %d", ErrLimit, n, d.lim.MaxElements, d.off)
	}
	if n > uint64(len(d.b)-d.off) {
		return nil, fmt.Errorf("%w: strict array of %d elements with %d bytes left", ErrTruncated, n, len(d.b)-d.off)
	}
	base := len(d.elems)
	for range n {
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		d.elems = append(d.elems, v)
	}
	return d.popElems(base), nil
}

// properties reads key/value pairs up to the object end marker (an empty
// key followed by 0x09).
func (d *decoder) properties(depth int) (Object, error) {
	base := len(d.props)
	for {
		k, err := d.str(2)
		if err != nil {
			return nil, err
		}
		key := k.(string)
		if key == "" {
			p, err := d.take(1, "object end marker")
			if err != nil {
				return nil, err
			}
			if p[0] != markerObjectEnd {
				return nil, fmt.Errorf("%w: 0x%02x after empty key at offset %d", ErrMarker, p[0], d.off-1)
			}
			return d.popProps(base), nil
		}
		if len(d.props)-base >= d.lim.MaxElements {
			return nil, fmt.Errorf("%w: object of more than %d properties at offset %d", ErrLimit, d.lim.MaxElements, d.off)
		}
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		d.props = append(d.props, Property{Key: key, Value: v})
	}
}

// popElems moves the scratch elements above base into a new slice.
func (d *decoder) popElems(base int) []any {
	out := make([]any, len(d.elems)-base)
	copy(out, d.elems[base:])
	clear(d.elems[base:])
	d.elems = d.elems[:base]
	return out
}

// popProps moves the scratch properties above base into a new Object.
func (d *decoder) popProps(base int) Object {
	out := make(Object, len(d.props)-base)
	copy(out, d.props[base:])
	clear(d.props[base:])
	d.props = d.props[:base]
	return out
}
