package amf

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Append appends the AMF0 encoding of vals to dst and returns the extended
// slice. Any Go integer type encodes as a number, as do float32 and
// float64; strings longer than 65535 bytes become long strings; a
// map[string]any becomes an object with its keys sorted, so output is
// deterministic. On error dst is returned with its original length and the
// error wraps ErrUnsupported (a type it cannot encode, an empty or too long
// property key) or ErrLimit (nesting deeper than 1024, e.g. a slice that
// contains itself).
func Append(dst []byte, vals ...any) ([]byte, error) {
	n := len(dst)
	for i, v := range vals {
		var err error
		if dst, err = appendValue(dst, v, 0); err != nil {
			return dst[:n], fmt.Errorf("amf: encode value %d: %w", i, err)
		}
	}
	return dst, nil
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if f, ok := number(v); ok {
		dst = append(dst, markerNumber)
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), nil
	}
	switch v := v.(type) {
	case nil:
		return append(dst, markerNull), nil
	case Undefined:
		return append(dst, markerUndefined), nil
	case bool:
		if v {
			return append(dst, markerBool, 1), nil
		}
		return append(dst, markerBool, 0), nil
	case string:
		return appendString(dst, v), nil
	case Date:
		dst = append(dst, markerDate)
		dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(v.Ms))
		return binary.BigEndian.AppendUint16(dst, uint16(v.TZ)), nil
	}
	if depth >= hardMaxDepth {
		return dst, fmt.Errorf("%w: nesting deeper than %d", ErrLimit, hardMaxDepth)
	}
	return appendContainer(dst, v, depth+1)
}

// appendContainer encodes the values that hold others; depth counts the
// containers around their elements.
func appendContainer(dst []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case Object:
		return appendProps(append(dst, markerObject), v, depth)
	case ECMAArray:
		dst = append(dst, markerECMAArray)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		return appendProps(dst, Object(v), depth)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		o := make(Object, len(keys))
		for i, k := range keys {
			o[i] = Property{Key: k, Value: v[k]}
		}
		return appendProps(append(dst, markerObject), o, depth)
	case []any:
		dst = append(dst, markerStrictArray)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		var err error
		for _, e := range v {
			if dst, err = appendValue(dst, e, depth); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	return dst, fmt.Errorf("%w: %T", ErrUnsupported, v)
}

// number converts every Go numeric type to the float64 AMF0 carries.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int8:
		return float64(v), true
	case int16:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint8:
		return float64(v), true
	case uint16:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	}
	return 0, false
}

func appendString(dst []byte, s string) []byte {
	if len(s) > math.MaxUint16 {
		dst = append(dst, markerLongString)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	} else {
		dst = append(dst, markerString)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
	}
	return append(dst, s...)
}

// appendProps writes the properties and the end marker. An empty key would
// read back as the end marker, so it is refused.
func appendProps(dst []byte, o Object, depth int) ([]byte, error) {
	var err error
	for _, p := range o {
		if p.Key == "" || len(p.Key) > math.MaxUint16 {
			return dst, fmt.Errorf("%w: property key of %d bytes", ErrUnsupported, len(p.Key))
		}
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(p.Key)))
		dst = append(dst, p.Key...)
		if dst, err = appendValue(dst, p.Value, depth); err != nil {
			return dst, err
		}
	}
	return append(dst, 0, 0, markerObjectEnd), nil
}
