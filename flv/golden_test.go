package flv_test

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestGoldenClip reads the committed 1-second clip made by
// testdata/mkclip.sh and compares a per-tag listing with the golden file.
func TestGoldenClip(t *testing.T) {
	f, err := flv.ReadFile(filepath.Join("..", "testdata", "clip-1s.flv"))
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	got := listing(t, f)
	golden := filepath.Join("testdata", "clip-1s.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if got != string(want) {
		t.Errorf("listing differs from %s (run with -update after checking):\n%s", golden, got)
	}
}

// listing renders the header, the metadata fields and one line per tag.
func listing(t *testing.T, f *flv.File) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "header version=%d flags=%#02x offset=%d\n", f.Header.Version, f.Header.Flags, f.Header.DataOffset)
	fmt.Fprintf(&b, "count audio=%d video=%d script=%d\n", f.Count(flv.TagAudio), f.Count(flv.TagVideo), f.Count(flv.TagScript))
	for _, tg := range f.Tags {
		fmt.Fprintf(&b, "tag off=%d type=%d ts=%d size=%d", tg.Offset, tg.Type, tg.Timestamp, len(tg.Data))
		for _, k := range []struct {
			on   bool
			name string
		}{{tg.IsKeyframe(), "key"}, {tg.IsSeqHeader(), "seq"}, {tg.IsEndOfSeq(), "eos"}} {
			if k.on {
				b.WriteString(" " + k.name)
			}
		}
		b.WriteString("\n")
		if tg.Type != flv.TagScript {
			continue
		}
		name, fields, err := tg.Metadata()
		if err != nil {
			t.Fatalf("Metadata: %v", err)
		}
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			fmt.Fprintf(&b, "  %s.%s = %v\n", name, k, fields[k])
		}
	}
	return b.String()
}

func BenchmarkDecodeClip(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "clip-1s.flv"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := flv.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
