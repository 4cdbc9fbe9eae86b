// Package amf encodes and decodes the subset of AMF0 that RTMP commands and
// data messages use.
//
// Values map to Go as follows: nil is null, Undefined is undefined, float64
// is number, bool is boolean, string is a string or long string, Object is
// an object (its properties in wire order), ECMAArray is an ECMA array,
// []any is a strict array and Date is a date. Typed objects decode as Object
// (the class name is dropped). References, movie clips, record sets, XML
// documents, the unsupported marker and the AVM+ (AMF3) switch are rejected
// with ErrMarker: RTMP peers do not send them in the commands we serve, and
// the one-byte AMF3 prefix of message types 15 and 17 is skipped by the
// caller before the payload reaches this package, as nginx-rtmp does.
//
// The decoder reads untrusted bytes, so every size that the input claims
// (string lengths, strict array counts) is checked against Limits and
// against the bytes actually left before anything is allocated, and nesting
// is capped, so hostile input costs at most a small multiple of its length
// and never overflows the stack.
package amf

import (
	"errors"
	"math"
)

// Markers of the AMF0 value types.
const (
	markerNumber      = 0x00
	markerBool        = 0x01
	markerString      = 0x02
	markerObject      = 0x03
	markerMovieClip   = 0x04
	markerNull        = 0x05
	markerUndefined   = 0x06
	markerReference   = 0x07
	markerECMAArray   = 0x08
	markerObjectEnd   = 0x09
	markerStrictArray = 0x0A
	markerDate        = 0x0B
	markerLongString  = 0x0C
	markerUnsupported = 0x0D
	markerRecordSet   = 0x0E
	markerXMLDoc      = 0x0F
	markerTypedObject = 0x10
	markerAVMPlus     = 0x11
)

// Errors returned by Decode, DecodeOne and Append, compared with errors.Is.
var (
	// ErrLimit reports input that exceeds a Limits field.
	ErrLimit = errors.New("amf: limit exceeded")
	// ErrTruncated reports input that ends inside a value, or a size that
	// claims more bytes than are left.
	ErrTruncated = errors.New("amf: truncated input")
	// ErrMarker reports a type marker this package does not accept.
	ErrMarker = errors.New("amf: unsupported marker")
	// ErrUnsupported reports a Go value that Append cannot encode.
	ErrUnsupported = errors.New("amf: unsupported value")
)

// Property is one key/value pair of an Object or ECMAArray.
type Property struct {
	Key   string
	Value any
}

// Object is an AMF0 object: its properties in wire order. A slice rather
// than a map keeps the order peers sent, which replies and metadata copies
// must preserve.
type Object []Property

// Get returns the value of the first property named key.
func (o Object) Get(key string) (any, bool) {
	for _, p := range o {
		if p.Key == key {
			return p.Value, true
		}
	}
	return nil, false
}

// String returns the string value of key, or "" when it is absent or not a
// string.
func (o Object) String(key string) string {
	v, _ := o.Get(key)
	s, _ := v.(string)
	return s
}

// Number returns the number value of key; ok is false when it is absent or
// not a number.
func (o Object) Number(key string) (n float64, ok bool) {
	v, _ := o.Get(key)
	n, ok = v.(float64)
	return n, ok
}

// ECMAArray is an AMF0 ECMA array (associative array), laid out as Object.
// Convert with Object(a) to use the lookup methods.
type ECMAArray Object

// Undefined is the AMF0 undefined value.
type Undefined struct{}

// Date is an AMF0 date: milliseconds since the Unix epoch and a time zone
// offset in minutes that AMF0 readers are told to ignore.
type Date struct {
	Ms float64
	TZ int16
}

// hardMaxDepth bounds nesting whatever Limits say, so that a careless
// MaxDepth cannot turn hostile input into deep recursion.
const hardMaxDepth = 1024

// Limits bound what Decode accepts. A zero or negative field takes the
// value of DefaultLimits.
type Limits struct {
	// MaxDepth is how many containers may nest (a top-level object is depth
	// 1). Values above 1024 are treated as 1024.
	MaxDepth int
	// MaxElements caps the properties of one object or ECMA array and the
	// elements of one strict array.
	MaxElements int
	// MaxStringLen caps one string, long string or property key, in bytes.
	MaxStringLen int
	// MaxTotal caps the input length in bytes.
	MaxTotal int
}

// DefaultLimits suit RTMP commands and metadata: real connect commands and
// onMetaData messages are a few hundred bytes, nest two levels deep and
// hold a few dozen properties.
var DefaultLimits = Limits{MaxDepth: 32, MaxElements: 4096, MaxStringLen: 64 << 10, MaxTotal: 1 << 20}

// normalize fills zero fields from DefaultLimits and applies the hard
// nesting cap.
func (l Limits) normalize() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	l.MaxDepth = min(l.MaxDepth, hardMaxDepth)
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultLimits.MaxElements
	}
	if l.MaxStringLen <= 0 {
		l.MaxStringLen = DefaultLimits.MaxStringLen
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = DefaultLimits.MaxTotal
	}
	// Clamp to what fits a uint32 length field so comparisons with wire
	// sizes never overflow on 32-bit platforms.
	l.MaxStringLen = min(l.MaxStringLen, math.MaxInt32)
	l.MaxElements = min(l.MaxElements, math.MaxInt32)
	return l
}
