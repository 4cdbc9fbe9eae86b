package flv_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
)

func TestVerifyClip(t *testing.T) {
	s, err := flv.Verify(filepath.Join("..", "testdata", "clip-1s.flv"))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if s.Metadata["duration"] != 1.023 || s.Metadata["videocodecid"] != 7.0 {
		t.Errorf("metadata = %v", s.Metadata)
	}
	s.Metadata = nil
	want := flv.Summary{
		Header: flv.Header{Version: 1, Flags: 5, DataOffset: 9},
		Audio:  46, Video: 27, Script: 1, SeqHeaders: 2, Keyframes: 1,
		FirstTimestamp: 0, LastTimestamp: 1021, AudioMonotonic: true, VideoMonotonic: true,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Verify = %+v\nwant %+v", s, want)
	}
}

func TestVerify(t *testing.T) {
	meta := cat(amfStr("onMetaData"), []byte{8, 0, 0, 0, 1}, amfKey("duration"), amfNum(2), objEnd)
	tests := []struct {
		name string
		in   []byte
		want flv.Summary
		err  string
	}{
		{
			"video goes backwards, audio does not",
			cat(fileHeader(5), tag(18, 0, meta...), tag(9, 100, 0x17, 0), tag(9, 120, 0x17, 1),
				tag(8, 110, 0xaf, 1), tag(9, 90, 0x27, 1), tag(8, 130, 0xaf, 1), tag(9, 200, 0x17, 2)),
			flv.Summary{
				Header: flv.Header{Version: 1, Flags: 5, DataOffset: 9},
				Audio:  2, Video: 4, Script: 1, SeqHeaders: 1, Keyframes: 1,
				FirstTimestamp: 90, LastTimestamp: 200, AudioMonotonic: true, VideoMonotonic: false,
				Metadata: map[string]any{"duration": 2.0},
			},
			"",
		},
		{
			"other script tags may hold anything",
			cat(fileHeader(4), tag(18, 0, cat(amfStr("onCuePoint"), amfNum(1))...), tag(8, 5, 0xaf, 1)),
			flv.Summary{
				Header: flv.Header{Version: 1, Flags: 4, DataOffset: 9},
				Audio:  1, Script: 1, FirstTimestamp: 5, LastTimestamp: 5,
				AudioMonotonic: true, VideoMonotonic: true,
			},
			"",
		},
		{"empty", fileHeader(0), flv.Summary{Header: flv.Header{Version: 1, DataOffset: 9}, AudioMonotonic: true, VideoMonotonic: true}, ""},
		{"bad onMetaData", cat(fileHeader(5), tag(18, 0, cat(amfStr("onMetaData"), amfNum(1))...)), flv.Summary{}, "offset 13: onMetaData: value is float64"},
		{"torn", cat(fileHeader(5), tag(9, 0, 0x17, 0))[:20], flv.Summary{}, "7 trailing bytes at offset 13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.flv")
			if err := os.WriteFile(path, tt.in, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := flv.Verify(path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Verify error = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !reflect.DeepEqual(s, tt.want) {
				t.Errorf("Verify = %+v\nwant %+v", s, tt.want)
			}
		})
	}
	if _, err := flv.Verify(filepath.Join(t.TempDir(), "missing.flv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Verify(missing) error = %v, want ErrNotExist", err)
	}
}
