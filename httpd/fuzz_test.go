package httpd

import (
	"strings"
	"testing"
)

// FuzzCleanRel feeds untrusted request paths to the static files' path
// check: what it accepts must stay inside the directory, for os.Root.
func FuzzCleanRel(f *testing.F) {
	for _, s := range []string{"/stat.xsl", "/files/../x", "..", "/a/./b//c/", "a\x00b", `..\..\x`, "/%2e%2e/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		name, ok := cleanRel(p)
		if !ok {
			return
		}
		if name == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\x00\\") {
			t.Fatalf("%q accepted as %q", p, name)
		}
		for _, seg := range strings.Split(name, "/") {
			if seg == ".." || seg == "" || (seg == "." && name != ".") {
				t.Fatalf("%q accepted as %q", p, name)
			}
		}
	})
}
