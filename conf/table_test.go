package conf

import (
	"strings"
	"testing"
)

// TestTableWellFormed catches a malformed row before it reaches a user.
func TestTableWellFormed(t *testing.T) {
	seen := map[string]ctx{}
	for _, r := range table {
		if r.ctx == 0 || !strings.HasSuffix(r.doc, ".") {
			t.Errorf("%s: no context or doc", r.name)
		}
		if (r.inner == 0) == (r.set == nil) {
			t.Errorf("%s: a row is either a block or has a setter", r.name)
		}
		if r.max >= 0 && r.max < r.min {
			t.Errorf("%s: arity %d..%d", r.name, r.min, r.max)
		}
		if seen[r.name]&r.ctx != 0 {
			t.Errorf("%s: two rows for one context", r.name)
		}
		seen[r.name] |= r.ctx
		if r.inner == 0 && (r.dump == nil || r.dumpAt == 0 || r.dumpAt&^r.ctx != 0) {
			t.Errorf("%s: a setting needs a dump function and is dumped where it may appear (dumpAt %b, ctx %b)", r.name, r.dumpAt, r.ctx)
		}
		if ignored(r.name, r.ctx) {
			t.Errorf("%s: both implemented and ignored in %s", r.name, contextNames(r.ctx))
		}
	}
}

// TestEveryDirectiveDocumented: the generated reference names every row
// with its default.
func TestEveryDirectiveDocumented(t *testing.T) {
	docs := DirectiveDocs()
	for _, r := range table {
		if !strings.Contains(docs, "- `"+r.name) {
			t.Errorf("%s missing from DirectiveDocs", r.name)
		}
		if r.def != "" && !strings.Contains(docs, "Default: `"+r.def+"`") {
			t.Errorf("%s default missing", r.name)
		}
	}
}
