package recapi

import (
	"os"
	"strings"
	"testing"
)

// FuzzSignURIs: a playlist hls.Parse accepts comes back from signURIs
// with every file URI signed and every other byte as it was, so removing
// the signatures gives the playlist back; one it refuses is an error.
func FuzzSignURIs(f *testing.F) {
	golden, err := os.ReadFile("../record/format/hls/testdata/golden.m3u8")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\n000000.ts\n#EXT-X-ENDLIST\n"))
	const sig = "?exp=1&sig=/x" // a "/" no file name of a playlist holds
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := signURIs(b, func(name string) string { return name + sig })
		if err != nil {
			return
		}
		if back := strings.ReplaceAll(string(out), sig, ""); back != string(b) {
			t.Fatalf("unsigned again:\n%q\nwas:\n%q", back, b)
		}
		for line := range strings.Lines(string(out)) {
			if !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "" && !strings.HasSuffix(strings.TrimSuffix(line, "\n"), sig) {
				t.Fatalf("file URI left unsigned: %q", line)
			}
		}
	})
}
