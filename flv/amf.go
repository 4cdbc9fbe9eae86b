package flv

import (
	"fmt"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

// Script tags are decoded by the AMF0 decoder the RTMP server uses (every
// length checked against the bytes left, nesting capped), with limits for
// files: a tag holds at most 16 MiB, so does a string in it.
var scriptLimits = amf.Limits{MaxDepth: 16, MaxElements: 1 << 24, MaxStringLen: 1 << 24, MaxTotal: 1 << 24}

// scriptName reads the string that names a script tag, skipping a leading
// "@setDataFrame", and returns the bytes after it.
func scriptName(b []byte) (string, []byte, error) {
	name, rest, err := decodeName(b)
	if err == nil && name == "@setDataFrame" {
		name, rest, err = decodeName(rest)
	}
	return name, rest, err
}

func decodeName(b []byte) (string, []byte, error) {
	v, rest, err := amf.DecodeOne(b, scriptLimits)
	if err != nil {
		return "", nil, err
	}
	s, ok := v.(string)
	if !ok {
		return "", nil, fmt.Errorf("amf0: name is %s, want string", goType(v))
	}
	return s, rest, nil
}

// decodeValue decodes the value after a script tag's name into plain Go
// values (see Tag.Metadata).
func decodeValue(b []byte) (any, error) {
	v, _, err := amf.DecodeOne(b, scriptLimits)
	if err != nil {
		return nil, err
	}
	return plain(v), nil
}

// plain converts decoded AMF0 values: objects and ECMA arrays to maps,
// dates to time.Time, undefined to nil.
func plain(v any) any {
	switch v := v.(type) {
	case amf.Object:
		return plainMap(v)
	case amf.ECMAArray:
		return plainMap(amf.Object(v))
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = plain(e)
		}
		return out
	case amf.Date:
		return time.UnixMilli(int64(v.Ms)).UTC()
	case amf.Undefined:
		return nil
	}
	return v
}

func plainMap(o amf.Object) map[string]any {
	m := make(map[string]any, len(o))
	for _, p := range o {
		m[p.Key] = plain(p.Value)
	}
	return m
}

// goType names the Go type a value would have in Metadata's result.
func goType(v any) string { return fmt.Sprintf("%T", plain(v)) }
