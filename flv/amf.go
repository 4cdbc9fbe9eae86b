package flv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// A minimal AMF0 decoder for script tags. go-amf0 (behind go-flv) allocates
// whatever array length the input claims, so it cannot read untrusted
// files; this one checks every length against the bytes that remain.

const (
	amfNumber      = 0x00
	amfBool        = 0x01
	amfString      = 0x02
	amfObject      = 0x03
	amfNull        = 0x05
	amfUndefined   = 0x06
	amfECMAArray   = 0x08
	amfObjectEnd   = 0x09
	amfStrictArray = 0x0a
	amfDate        = 0x0b
	amfLongString  = 0x0c

	amfMaxDepth  = 16
	amfMaxValues = 1 << 16
)

var (
	errAMFShort  = errors.New("amf0: value runs past the end of the tag")
	errAMFLimit  = errors.New("amf0: nesting or element limit exceeded")
	errAMFMarker = errors.New("amf0: unsupported marker")
)

type amfDecoder struct {
	b      []byte
	values int // values decoded so far, against amfMaxValues
}

func (d *amfDecoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.b) {
		return nil, errAMFShort
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p, nil
}

// name reads the string value that names a script tag.
func (d *amfDecoder) name() (string, error) {
	v, err := d.value(0)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("amf0: name is %T, want string", v)
	}
	return s, nil
}

func (d *amfDecoder) value(depth int) (any, error) {
	if d.values++; d.values > amfMaxValues || depth > amfMaxDepth {
		return nil, errAMFLimit
	}
	m, err := d.take(1)
	if err != nil {
		return nil, err
	}
	switch m[0] {
	case amfNumber:
		p, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	case amfBool:
		p, err := d.take(1)
		if err != nil {
			return nil, err
		}
		return p[0] != 0, nil
	case amfString:
		return d.str(2)
	case amfLongString:
		return d.str(4)
	case amfNull, amfUndefined:
		return nil, nil
	case amfObject:
		return d.props(depth)
	case amfECMAArray:
		if _, err := d.take(4); err != nil { // the count is only a hint
			return nil, err
		}
		return d.props(depth)
	case amfStrictArray:
		return d.array(depth)
	case amfDate:
		p, err := d.take(10)
		if err != nil {
			return nil, err
		}
		ms := math.Float64frombits(binary.BigEndian.Uint64(p))
		return time.UnixMilli(int64(ms)).UTC(), nil
	}
	return nil, fmt.Errorf("%w %#02x", errAMFMarker, m[0])
}

// str reads a string whose length field has lenBytes bytes.
func (d *amfDecoder) str(lenBytes int) (string, error) {
	p, err := d.take(lenBytes)
	if err != nil {
		return "", err
	}
	n := int(binary.BigEndian.Uint16(p[len(p)-2:]))
	if lenBytes == 4 {
		n = int(binary.BigEndian.Uint32(p)) // fits: int is 64-bit or take rejects n < 0
	}
	s, err := d.take(n)
	return string(s), err
}

// props reads key/value pairs up to the object end marker.
func (d *amfDecoder) props(depth int) (map[string]any, error) {
	m := map[string]any{}
	for {
		k, err := d.str(2)
		if err != nil {
			return nil, err
		}
		if k == "" && len(d.b) > 0 && d.b[0] == amfObjectEnd {
			d.b = d.b[1:]
			return m, nil
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		m[k] = v
	}
}

// array reads a strict array; its count is checked against the bytes left
// (every value takes at least one byte) before anything is allocated.
func (d *amfDecoder) array(depth int) ([]any, error) {
	p, err := d.take(4)
	if err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(p)
	if uint64(n) > uint64(len(d.b)) {
		return nil, fmt.Errorf("%w: strict array of %d values in %d bytes", errAMFShort, n, len(d.b))
	}
	a := make([]any, 0, n)
	for range n {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
	return a, nil
}
