// Package fuzzseed writes fuzz seed corpora for tests that regenerate their
// committed seeds (`-update-corpus` style flags).
package fuzzseed

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Write writes seeds in the "go test fuzz v1" format under
// testdata/fuzz/name of the calling package, each named by a hash of its
// content so regenerating an unchanged seed rewrites the same file.
func Write(tb testing.TB, name string, seeds [][]byte) {
	tb.Helper()
	dir := filepath.Join("testdata", "fuzz", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for _, s := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		file := filepath.Join(dir, fmt.Sprintf("seed-%x", sha256.Sum256(s))[:len("seed-")+16])
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}
