package conf

import (
	"os"
	"testing"
)

// BenchmarkLoad loads the full golden configuration: parse, merge,
// validate, dump and hash, what every reload does first.
func BenchmarkLoad(b *testing.B) {
	src, err := os.ReadFile("testdata/golden/full.conf")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadBytes("full.conf", src); err != nil {
			b.Fatal(err)
		}
	}
}
