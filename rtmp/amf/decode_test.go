package amf

import (
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// cat joins byte slices and strings into one input.
func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b = append(b, p...)
		case []byte:
			b = append(b, p...)
		case byte:
			b = append(b, p)
		case int:
			b = append(b, byte(p))
		default:
			panic("cat: bad part")
		}
	}
	return b
}

// key encodes an object key (or short string body) with its length.
func key(s string) []byte { return cat(byte(len(s)>>8), byte(len(s)), s) }

var end = []byte{0, 0, 9}

// f64 encodes a number body.
func f64(f float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)) }

func TestDecodeMarkers(t *testing.T) {
	long := strings.Repeat("x", 65536) // the largest DefaultLimits accept
	tests := []struct {
		name string
		in   []byte
		want any
	}{
		{"number", cat(0x00, f64(1)), 1.0},
		{"negative number", cat(0x00, f64(-42)), -42.0},
		{"bool true", cat(0x01, 0x01), true},
		{"bool nonzero is true", cat(0x01, 0x7f), true},
		{"bool false", cat(0x01, 0x00), false},
		{"string", cat(0x02, key("live")), "live"},
		{"empty string", cat(0x02, 0, 0), ""},
		{"long string", cat(0x0c, 0, 1, 0, 0, long), long},
		{"long string under 64 KiB", cat(0x0c, 0, 0, 0, 2, "ab"), "ab"},
		{"null", cat(0x05), nil},
		{"undefined", cat(0x06), Undefined{}},
		{"date", cat(0x0b, f64(1608000000000), 0xff, 0xc4), Date{Ms: 1608000000000, TZ: -60}},
		{"empty object", cat(0x03, end), Object{}},
		{"object", cat(0x03, key("app"), 0x02, key("live"), key("n"), 0x05, end),
			Object{{"app", "live"}, {"n", nil}}},
		{"nested object", cat(0x03, key("a"), 0x03, key("b"), 0x01, 1, end, end),
			Object{{"a", Object{{"b", true}}}}},
		{"ecma array exact count", cat(0x08, 0, 0, 0, 1, key("w"), 0x00, 0x40, 0x59, 0, 0, 0, 0, 0, 0, end),
			ECMAArray{{"w", 100.0}}},
		{"ecma array count 0 lies", cat(0x08, 0, 0, 0, 0, key("a"), 0x05, key("b"), 0x06, end),
			ECMAArray{{"a", nil}, {"b", Undefined{}}}},
		{"ecma array huge count lies", cat(0x08, 0xff, 0xff, 0xff, 0xff, key("a"), 0x05, end),
			ECMAArray{{"a", nil}}},
		{"strict array", cat(0x0a, 0, 0, 0, 2, 0x05, 0x02, key("x")), []any{nil, "x"}},
		{"empty strict array", cat(0x0a, 0, 0, 0, 0), []any{}},
		{"typed object drops class", cat(0x10, key("flash.Foo"), key("k"), 0x01, 0, end),
			Object{{"k", false}}},
		{"duplicate keys kept", cat(0x03, key("k"), 0x05, key("k"), 0x06, end),
			Object{{"k", nil}, {"k", Undefined{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, rest, err := DecodeOne(tt.in, DefaultLimits)
			if err != nil {
				t.Fatalf("DecodeOne: %v", err)
			}
			if len(rest) != 0 {
				t.Errorf("rest = % x, want empty", rest)
			}
			if !reflect.DeepEqual(v, tt.want) {
				t.Errorf("got %#v, want %#v", v, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"short number", cat(0x00, 1, 2, 3), ErrTruncated},
		{"bool without byte", cat(0x01), ErrTruncated},
		{"string length cut", cat(0x02, 0), ErrTruncated},
		{"string body cut", cat(0x02, 0, 5, "abc"), ErrTruncated},
		{"long string claims 4 GiB", cat(0x0c, 0xff, 0xff, 0xff, 0xff, "abc"), ErrLimit},
		{"date cut", cat(0x0b, 0, 0, 0), ErrTruncated},
		{"object without end", cat(0x03, key("a"), 0x05), ErrTruncated},
		{"object end marker missing", cat(0x03, 0, 0), ErrTruncated},
		{"object end marker wrong", cat(0x03, 0, 0, 0x05), ErrMarker},
		{"ecma count cut", cat(0x08, 0, 0), ErrTruncated},
		{"strict array count cut", cat(0x0a, 0, 0, 1), ErrTruncated},
		{"strict array claims more than left", cat(0x0a, 0, 0, 0, 3, 0x05, 0x05), ErrTruncated},
		{"strict array claims 2^31-1", cat(0x0a, 0x7f, 0xff, 0xff, 0xff), ErrLimit},
		{"typed object class cut", cat(0x10, 0, 9, "fl"), ErrTruncated},
		{"movieclip", cat(0x04), ErrMarker},
		{"reference", cat(0x07, 0, 1), ErrMarker},
		{"bare object end", cat(0x09), ErrMarker},
		{"unsupported", cat(0x0d), ErrMarker},
		{"recordset", cat(0x0e), ErrMarker},
		{"xml document", cat(0x0f, 0, 0, 0, 1, "<"), ErrMarker},
		{"avmplus switch", cat(0x11, 0x06), ErrMarker},
		{"unknown marker", cat(0x42), ErrMarker},
		{"reference inside object", cat(0x03, key("a"), 0x07, 0, 0, end), ErrMarker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Decode(tt.in, DefaultLimits)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode = %#v, %v; want %v", v, err, tt.want)
			}
			if v != nil {
				t.Errorf("values %#v returned with error", v)
			}
		})
	}
}

func TestDecodeSequence(t *testing.T) {
	in := cat(0x02, key("publish"), 0x00, 0x40, 0x14, 0, 0, 0, 0, 0, 0, 0x05, 0x02, key("cam1"), 0x02, key("live"))
	got, err := Decode(in, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"publish", 5.0, nil, "cam1", "live"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
	v, rest, err := DecodeOne(in, DefaultLimits)
	if err != nil || v != "publish" || len(rest) != len(in)-10 {
		t.Fatalf("DecodeOne = %v, %d bytes left, %v", v, len(rest), err)
	}
}

func TestDecodeEmpty(t *testing.T) {
	if v, err := Decode(nil, DefaultLimits); err != nil || len(v) != 0 {
		t.Errorf("Decode(nil) = %#v, %v; want no values", v, err)
	}
	if _, _, err := DecodeOne(nil, DefaultLimits); !errors.Is(err, ErrTruncated) {
		t.Errorf("DecodeOne(nil) error = %v, want ErrTruncated", err)
	}
}

func TestDecodeSpecialNumbers(t *testing.T) {
	v, err := Decode(cat(0x00, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1, 0x00, f64(math.Copysign(0, -1)), 0x00, f64(255), 0x00, f64(255.5)), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := v[0].(float64); !ok || !math.IsNaN(f) {
		t.Errorf("got %#v, want NaN", v[0])
	}
	if f, ok := v[1].(float64); !ok || f != 0 || !math.Signbit(f) {
		t.Errorf("got %#v, want -0 (small integers are shared, -0 must not be)", v[1])
	}
	if v[2] != 255.0 || v[3] != 255.5 {
		t.Errorf("got %v %v", v[2], v[3])
	}
}

func TestObjectAccessors(t *testing.T) {
	o := Object{{"app", "live"}, {"n", 3.0}, {"b", true}, {"app", "second"}}
	if got := o.String("app"); got != "live" {
		t.Errorf("String(app) = %q, want first value", got)
	}
	if got := o.String("n"); got != "" {
		t.Errorf("String(n) = %q, want empty for a number", got)
	}
	if n, ok := o.Number("n"); !ok || n != 3 {
		t.Errorf("Number(n) = %v, %v", n, ok)
	}
	if _, ok := o.Number("b"); ok {
		t.Error("Number(b) ok for a bool")
	}
	if _, ok := o.Get("missing"); ok {
		t.Error("Get(missing) ok")
	}
	if v, ok := o.Get("b"); !ok || v != true {
		t.Errorf("Get(b) = %v, %v", v, ok)
	}
}
