package hls

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const head = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:EVENT\n"

// TestParseRefuses: what is not a playlist of ours is ErrSyntax, never
// a partial result; segment names that leave the directory are refused.
func TestParseRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"empty":             "",
		"no header":         "#EXT-X-VERSION:3\n",
		"no final newline":  head + "#EXTINF:1.000,\n000000.ts",
		"unknown tag":       head + "#EXT-X-KEY:METHOD=NONE\n",
		"uri line alone":    head + "000000.ts\n",
		"inf without uri":   head + "#EXTINF:1.000,\n",
		"path in uri":       head + "#EXTINF:1.000,\n../x.ts\n",
		"absolute uri":      head + "#EXTINF:1.000,\n/etc/passwd\n",
		"hidden uri":        head + "#EXTINF:1.000,\n.x.ts\n",
		"map with path":     head + "#EXT-X-MAP:URI=\"a/init.mp4\"\n",
		"bad duration":      head + "#EXTINF:1.0000,\n000000.ts\n",
		"negative duration": head + "#EXTINF:-1.000,\n000000.ts\n",
		"no comma":          head + "#EXTINF:1.000\n000000.ts\n",
		"after endlist":     head + "#EXT-X-ENDLIST\n#EXTINF:1.000,\n000000.ts\n",
		"bad version":       "#EXTM3U\n#EXT-X-VERSION:x\n",
		"no target":         "#EXTM3U\n#EXT-X-VERSION:3\n",
		"bad date":          head + "#EXT-X-PROGRAM-DATE-TIME:yesterday\n",
		"bad type":          "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:LIVE\n",
	} {
		if p, err := Parse([]byte(in)); !errors.Is(err, ErrSyntax) || p != nil {
			t.Errorf("%s: %+v, %v; want ErrSyntax", name, p, err)
		}
	}
}

// TestParseBody: Body is where #EXT-X-ENDLIST starts (what an append
// keeps), or the whole playlist without it.
func TestParseBody(t *testing.T) {
	open := head + "#EXTINF:1.500,\n000000.ts\n"
	for _, c := range []struct {
		in    string
		ended bool
	}{{open, false}, {open + "#EXT-X-ENDLIST\n", true}} {
		p, err := Parse([]byte(c.in))
		if err != nil || p.Ended != c.ended || p.Body != int64(len(open)) || p.Segments[0].MS != 1500 {
			t.Fatalf("%q: %+v, %v", c.in, p, err)
		}
	}
}

// FuzzParse: any input parses or fails with ErrSyntax, without a panic;
// what parses has its body inside the input, plain segment names and
// durations a writer could have written.
func FuzzParse(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "golden.m3u8"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte(head + "#EXTINF:1.500,\n000000.ts\n"))
	f.Add([]byte(head + "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z\n#EXTINF:0.5,\n000001.ts\n#EXT-X-ENDLIST\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrSyntax) || p != nil {
				t.Fatalf("%+v, %v", p, err)
			}
			return
		}
		if p.Body < 0 || p.Body > int64(len(b)) {
			t.Fatalf("body %d of %d bytes", p.Body, len(b))
		}
		for _, s := range p.Segments {
			if checkURI(s.URI) != nil || strings.Contains(s.URI, "/") || s.MS < 0 {
				t.Fatalf("segment %+v", s)
			}
		}
		Validate(p, false) // must not panic either
	})
}
