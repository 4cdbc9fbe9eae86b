package amf

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestAppendMarkers(t *testing.T) {
	long := strings.Repeat("y", 65536)
	max := strings.Repeat("z", 65535)
	tests := []struct {
		name string
		in   any
		want []byte
	}{
		{"float64", 1.5, cat(0x00, f64(1.5))},
		{"float32", float32(0.5), cat(0x00, f64(0.5))},
		{"int", 5, cat(0x00, f64(5))},
		{"int8", int8(-3), cat(0x00, f64(-3))},
		{"int16", int16(300), cat(0x00, f64(300))},
		{"int32", int32(-70000), cat(0x00, f64(-70000))},
		{"int64", int64(1) << 40, cat(0x00, f64(1<<40))},
		{"uint", uint(7), cat(0x00, f64(7))},
		{"uint8", uint8(255), cat(0x00, f64(255))},
		{"uint16", uint16(65535), cat(0x00, f64(65535))},
		{"uint32", uint32(0xffffffff), cat(0x00, f64(0xffffffff))},
		{"uint64", uint64(1) << 50, cat(0x00, f64(1<<50))},
		{"true", true, cat(0x01, 1)},
		{"false", false, cat(0x01, 0)},
		{"string", "live", cat(0x02, key("live"))},
		{"empty string", "", cat(0x02, 0, 0)},
		{"65535-byte string stays short", max, cat(0x02, 0xff, 0xff, max)},
		{"65536-byte string is long", long, cat(0x0c, 0, 1, 0, 0, long)},
		{"nil", nil, cat(0x05)},
		{"undefined", Undefined{}, cat(0x06)},
		{"date", Date{Ms: 1e12, TZ: -60}, cat(0x0b, f64(1e12), 0xff, 0xc4)},
		{"object", Object{{"app", "live"}, {"n", 1}}, cat(0x03, key("app"), 0x02, key("live"), key("n"), 0x00, f64(1), end)},
		{"empty object", Object{}, cat(0x03, end)},
		{"ecma array", ECMAArray{{"w", 2}}, cat(0x08, 0, 0, 0, 1, key("w"), 0x00, f64(2), end)},
		{"strict array", []any{nil, "x"}, cat(0x0a, 0, 0, 0, 2, 0x05, 0x02, key("x"))},
		{"map sorted", map[string]any{"b": true, "a": nil, "c": "s"},
			cat(0x03, key("a"), 0x05, key("b"), 0x01, 1, key("c"), 0x02, key("s"), end)},
		{"nested", Object{{"o", map[string]any{"k": []any{Object{}}}}},
			cat(0x03, key("o"), 0x03, key("k"), 0x0a, 0, 0, 0, 1, 0x03, end, end, end)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Append([]byte{0xaa}, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, cat(0xaa, tt.want)) {
				t.Errorf("got % x\nwant aa % x", got, tt.want)
			}
		})
	}
}

func TestAppendErrors(t *testing.T) {
	cyclic := []any{nil}
	cyclic[0] = cyclic
	tests := []struct {
		name string
		in   any
		want error
	}{
		{"struct", struct{}{}, ErrUnsupported},
		{"pointer", new(int), ErrUnsupported},
		{"empty key", Object{{"", 1}}, ErrUnsupported},
		{"long key", ECMAArray{{strings.Repeat("k", 65536), 1}}, ErrUnsupported},
		{"nested unsupported", []any{Object{{"a", make(chan int)}}}, ErrUnsupported},
		{"cyclic slice", cyclic, ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte{1, 2}
			got, err := Append(dst, "ok", tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if !bytes.Equal(got, []byte{1, 2}) {
				t.Errorf("dst after error = % x, want 01 02", got)
			}
		})
	}
}

// TestRoundTrip encodes Go values, decodes them and checks they come back
// equal, and that re-encoding gives the same bytes.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   []any
	}{
		{"connect", []any{"connect", 1.0, Object{{"app", "live"}, {"type", "nonprivate"},
			{"flashVer", "FMLE/3.0"}, {"tcUrl", "rtmp://h/live"}, {"fpad", false}, {"capabilities", 15.0}}}},
		{"result", []any{"_result", 1.0, Object{{"fmsVer", "FMS/3,0,1,123"}},
			Object{{"level", "status"}, {"code", "NetConnection.Connect.Success"}, {"data", ECMAArray{{"version", "3,5"}}}}}},
		{"metadata", []any{"@setDataFrame", "onMetaData", ECMAArray{{"width", 1280.0}, {"stereo", true}, {"encoder", "obs"}}}},
		{"everything", []any{nil, Undefined{}, Date{Ms: 5, TZ: 1}, []any{[]any{}, Object{}, ECMAArray{}}, strings.Repeat("L", 70000)}},
	}
	lim := Limits{MaxStringLen: 1 << 20}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Append(nil, tt.in...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b, lim)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.in) {
				t.Fatalf("got %#v\nwant %#v", got, tt.in)
			}
			b2, err := Append(nil, got...)
			if err != nil || !bytes.Equal(b, b2) {
				t.Fatalf("re-encoding differs (%v)", err)
			}
		})
	}
}

// TestFFmpegCapture decodes payloads captured from ffmpeg 5.1 publishing
// to a capture server, and checks that re-encoding reproduces them byte for
// byte: our encoder writes what ffmpeg writes.
func TestFFmpegCapture(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, v []any)
	}{
		{"testdata/ffmpeg_connect.bin", func(t *testing.T, v []any) {
			o, _ := v[2].(Object)
			if v[0] != "connect" || v[1] != 1.0 || o.String("app") != "live" || o.String("type") != "nonprivate" {
				t.Errorf("connect = %#v", v)
			}
		}},
		{"testdata/ffmpeg_setdataframe.bin", func(t *testing.T, v []any) {
			a, _ := v[2].(ECMAArray)
			if w, _ := Object(a).Number("width"); v[0] != "@setDataFrame" || v[1] != "onMetaData" || w != 160 {
				t.Errorf("metadata = %#v", v)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			v, err := Decode(in, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, v)
			out, err := Append(nil, v...)
			if err != nil || !bytes.Equal(out, in) {
				t.Errorf("re-encoded (%v):\n% x\nwant\n% x", err, out, in)
			}
		})
	}
}
