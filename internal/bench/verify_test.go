package bench

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/bench/load"
)

// flvBytes builds an FLV file from tags (type, payload), timestamps 0.
func flvBytes(tags ...flv.Tag) []byte {
	b := []byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}
	for _, t := range tags {
		h := make([]byte, 11)
		h[0] = t.Type
		h[1], h[2], h[3] = byte(len(t.Data)>>16), byte(len(t.Data)>>8), byte(len(t.Data))
		b = append(append(b, h...), t.Data...)
		b = binary.BigEndian.AppendUint32(b, uint32(11+len(t.Data)))
	}
	return b
}

var (
	avcHeader = flv.Tag{Type: flv.TagVideo, Data: []byte{0x17, 0, 0, 0, 0, 1}}
	aacHeader = flv.Tag{Type: flv.TagAudio, Data: []byte{0xaf, 0, 0x12, 0x10}}
	keyFrame  = flv.Tag{Type: flv.TagVideo, Data: []byte{0x17, 1, 0, 0, 0, 9}}
	audio     = flv.Tag{Type: flv.TagAudio, Data: []byte{0xaf, 1, 7}}
)

func TestCheckRecordings(t *testing.T) {
	full := flvBytes(avcHeader, aacHeader, keyFrame, audio, aacHeader, audio)
	tests := []struct {
		name    string
		file    []byte // nil: no file
		sent    load.StreamReport
		problem string
	}{
		{"complete", full, load.StreamReport{Video: 1, Audio: 2}, ""},
		{"missing", nil, load.StreamReport{Video: 1, Audio: 2}, "no recording"},
		{"lost frames", full, load.StreamReport{Video: 2, Audio: 2}, "1 video and 2 audio frames recorded, 2 and 2 sent"},
		{"torn tail", full[:len(full)-3], load.StreamReport{Video: 1, Audio: 2}, "truncated"},
		{"no headers", flvBytes(keyFrame, audio, audio), load.StreamReport{Video: 1, Audio: 2}, "0 sequence headers, want at least 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.sent.Name = "s-1"
			if tc.file != nil {
				if err := os.WriteFile(filepath.Join(dir, "s-1.flv"), tc.file, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			c, err := CheckRecordings(dir, &load.Report{Streams: []load.StreamReport{tc.sent}}, 2, "")
			if err != nil {
				t.Fatal(err)
			}
			if tc.problem == "" {
				if c.Complete != 1 || c.Files != 1 || len(c.Problems) != 0 || c.Bytes != int64(len(tc.file)) {
					t.Fatalf("got %+v, want one complete file of %d bytes", c, len(tc.file))
				}
				return
			}
			if c.Complete != 0 || len(c.Problems) != 1 || !strings.Contains(c.Problems[0], tc.problem) {
				t.Fatalf("got %+v, want a problem containing %q", c, tc.problem)
			}
		})
	}
}
