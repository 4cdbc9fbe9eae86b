package recapi

import (
	"errors"
	"strings"
	"testing"
)

// TestMapsApply: MPEG-TS segments may start a playlist or follow other
// MPEG-TS segments, and fMP4 ones may follow anything, but MPEG-TS
// segments never follow a map (it would apply to them); the playlist
// then writes a map only for entries that have one.
func TestMapsApply(t *testing.T) {
	ts, fmp4 := hlsEntry{ms: 1000, uri: "a.ts"}, hlsEntry{ms: 1000, uri: "b.m4s", mapURI: "init.mp4"}
	for _, tc := range []struct {
		name      string
		sofar, es []hlsEntry
		want      error
	}{
		{"ts first", nil, []hlsEntry{ts}, nil},
		{"ts after ts", []hlsEntry{ts}, []hlsEntry{ts}, nil},
		{"fmp4 after ts", []hlsEntry{ts}, []hlsEntry{fmp4}, nil},
		{"fmp4 after fmp4", []hlsEntry{fmp4}, []hlsEntry{fmp4}, nil},
		{"ts after fmp4", []hlsEntry{ts, fmp4}, []hlsEntry{ts}, errMapped},
		{"nothing after fmp4", []hlsEntry{fmp4}, nil, nil},
	} {
		if err := mapsApply(tc.sofar, tc.es); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	fmp4.discontinuity = true
	pl := writePlaylist([]hlsEntry{ts, ts, fmp4})
	if strings.Count(pl, "#EXT-X-MAP:") != 1 || strings.Index(pl, "#EXT-X-MAP:") < strings.LastIndex(pl, "a.ts") {
		t.Fatalf("map written for the wrong entries:\n%s", pl)
	}
}
