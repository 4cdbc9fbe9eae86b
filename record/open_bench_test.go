package record

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkOpenFile measures one open and close of a new file: the
// O_NOFOLLOW walk below record_path, directory creation for a suffix with
// "/", and the name search when every "-N" candidate is taken.
func BenchmarkOpenFile(b *testing.B) {
	for _, bc := range []struct {
		name, suffix string
		taken        int
	}{
		{"flat", ".flv", 0},
		{"three directories", "/a/b/c.flv", 0},
		{"10000 names taken", ".flv", maxCandidates},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rc := newRecorder(b, "", all)
			rc.Suffix = bc.suffix
			for i := range bc.taken {
				name := "cam.flv"
				if i > 0 {
					name = fmt.Sprintf("cam-%d.flv", i)
				}
				if err := writeEmpty(filepath.Join(rc.Path, name)); err != nil {
					b.Fatal(err)
				}
			}
			now := time.Now()
			var hint nameHint // a recorder's own hint: no rescans of its earlier pieces
			for b.Loop() {
				if bc.taken > 0 {
					hint = nameHint{} // a new session: scans every taken name
				}
				o, err := openFile(rc, "cam", now, &hint, discard())
				if err != nil {
					b.Fatal(err)
				}
				o.w.Close()
			}
		})
	}
}

func writeEmpty(p string) error { return os.WriteFile(p, nil, 0o644) }
