package flv_test

import (
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
)

func TestTagKinds(t *testing.T) {
	tests := []struct {
		name          string
		typ           uint8
		data          []byte
		key, seq, eos bool
	}{
		{"AVC seq header", flv.TagVideo, []byte{0x17, 0}, true, true, false},
		{"AVC keyframe", flv.TagVideo, []byte{0x17, 1}, true, false, false},
		{"AVC inter frame", flv.TagVideo, []byte{0x27, 1}, false, false, false},
		{"AVC end of sequence", flv.TagVideo, []byte{0x17, 2}, true, false, true},
		{"legacy HEVC seq header", flv.TagVideo, []byte{0x1c, 0}, true, true, false},
		{"H.263 keyframe has no seq header", flv.TagVideo, []byte{0x12, 0}, true, false, false},
		{"AVC one byte", flv.TagVideo, []byte{0x17}, true, false, false},
		{"video info frame", flv.TagVideo, []byte{0x57, 0}, false, false, false},
		{"E-RTMP SequenceStart key", flv.TagVideo, []byte{0x90, 'h', 'v', 'c', '1'}, true, true, false},
		{"E-RTMP CodedFrames key", flv.TagVideo, []byte{0x91, 'a', 'v', '0', '1'}, true, false, false},
		{"E-RTMP CodedFramesX inter", flv.TagVideo, []byte{0xa3, 'h', 'v', 'c', '1'}, false, false, false},
		{"E-RTMP SequenceEnd", flv.TagVideo, []byte{0x92, 'h', 'v', 'c', '1'}, true, false, true},
		{"AAC seq header", flv.TagAudio, []byte{0xaf, 0}, false, true, false},
		{"AAC raw", flv.TagAudio, []byte{0xaf, 1}, false, false, false},
		{"MP3", flv.TagAudio, []byte{0x2f, 0}, false, false, false},
		{"E-RTMP audio SequenceStart", flv.TagAudio, []byte{0x90, 'O', 'p', 'u', 's'}, false, true, false},
		{"E-RTMP audio CodedFrames", flv.TagAudio, []byte{0x91, 'O', 'p', 'u', 's'}, false, false, false},
		{"script", flv.TagScript, []byte{0x17, 0}, false, false, false},
		{"empty video", flv.TagVideo, nil, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &flv.Tag{Type: tt.typ, Data: tt.data}
			if got := tg.IsKeyframe(); got != tt.key {
				t.Errorf("IsKeyframe = %v, want %v", got, tt.key)
			}
			if got := tg.IsSeqHeader(); got != tt.seq {
				t.Errorf("IsSeqHeader = %v, want %v", got, tt.seq)
			}
			if got := tg.IsEndOfSeq(); got != tt.eos {
				t.Errorf("IsEndOfSeq = %v, want %v", got, tt.eos)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	ecma := func(props ...[]byte) []byte {
		return cat([]byte{8, 0, 0, 0, byte(len(props) / 2)}, cat(props...), objEnd)
	}
	tests := []struct {
		name     string
		data     []byte
		wantName string
		want     map[string]any
	}{
		{
			"onMetaData ECMA array",
			cat(amfStr("onMetaData"), ecma(amfKey("duration"), amfNum(4.5), amfKey("stereo"), []byte{1, 0},
				amfKey("encoder"), amfStr("x"), amfKey("n"), []byte{5}, amfKey("u"), []byte{6})),
			"onMetaData",
			map[string]any{"duration": 4.5, "stereo": false, "encoder": "x", "n": nil, "u": nil},
		},
		{
			"@setDataFrame and nested keyframes object",
			cat(amfStr("@setDataFrame"), amfStr("onMetaData"), []byte{3},
				amfKey("keyframes"), []byte{3},
				amfKey("times"), []byte{0x0a, 0, 0, 0, 2}, amfNum(0), amfNum(1),
				objEnd, objEnd),
			"onMetaData",
			map[string]any{"keyframes": map[string]any{"times": []any{0.0, 1.0}}},
		},
		{
			"long string and date",
			cat(amfStr("onX"), []byte{3}, amfKey("s"), []byte{0x0c, 0, 0, 0, 2, 'h', 'i'},
				amfKey("d"), []byte{0x0b}, amfNum(1000)[1:], []byte{0, 0}, objEnd),
			"onX",
			map[string]any{"s": "hi", "d": time.UnixMilli(1000).UTC()},
		},
		{"name only", amfStr("onCuePoint"), "onCuePoint", map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &flv.Tag{Type: flv.TagScript, Data: tt.data}
			name, fields, err := tg.Metadata()
			if err != nil {
				t.Fatalf("Metadata: %v", err)
			}
			if name != tt.wantName || !reflect.DeepEqual(fields, tt.want) {
				t.Errorf("Metadata = %q, %#v; want %q, %#v", name, fields, tt.wantName, tt.want)
			}
		})
	}
}

func TestMetadataErrors(t *testing.T) {
	deep := []byte{}
	for range 40 {
		deep = append(deep, 3, 0, 1, 'a')
	}
	tests := []struct {
		name string
		tag  flv.Tag
		msg  string
	}{
		{"audio tag", flv.Tag{Type: flv.TagAudio, Data: []byte{0xaf, 1}}, "not a script tag"},
		{"empty", flv.Tag{Type: flv.TagScript}, "truncated input: marker"},
		{"name not a string", flv.Tag{Type: flv.TagScript, Data: amfNum(1)}, "name is float64"},
		{"short string", flv.Tag{Type: flv.TagScript, Data: []byte{2, 0, 9, 'a'}}, "truncated input: string"},
		{"value not an object", flv.Tag{Type: flv.TagScript, Data: cat(amfStr("x"), amfNum(1))}, "value is float64"},
		{"unsupported marker", flv.Tag{Type: flv.TagScript, Data: cat(amfStr("x"), []byte{3}, amfKey("a"), []byte{0x11})}, "x: amf: unsupported marker: 0x11"},
		{"unterminated object", flv.Tag{Type: flv.TagScript, Data: cat(amfStr("x"), []byte{3}, amfKey("a"), amfNum(1))}, "truncated input"},
		{"huge strict array", flv.Tag{Type: flv.TagScript, Data: cat(amfStr("x"), []byte{3}, amfKey("a"), []byte{0x0a, 0x7f, 0xff, 0xff, 0xff, 0})}, "strict array of 2147483647 elements"},
		{"huge long string", flv.Tag{Type: flv.TagScript, Data: cat(amfStr("x"), []byte{3}, amfKey("a"), []byte{0x0c, 0xff, 0xff, 0xff, 0xff})}, "string of 4294967295 bytes"},
		{"too deep", flv.Tag{Type: flv.TagScript, Data: cat(amfStr("x"), deep)}, "nesting deeper than 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tt.tag.Metadata()
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Metadata error = %v, want it to contain %q", err, tt.msg)
			}
		})
	}
}

// TestReaderBoundedAllocation checks that a 16 MiB size claim on a reader of
// unknown length costs about what arrives, not what is claimed.
func TestReaderBoundedAllocation(t *testing.T) {
	in := cat(fileHeader(1), []byte{9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 100))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := flv.NewReader(struct{ *strings.Reader }{strings.NewReader(string(in))}).Next()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, flv.ErrTruncated) {
		t.Fatalf("Next error = %v, want ErrTruncated", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("allocated %d bytes for a 124-byte input", got)
	}
}
