package conf

import (
	"fmt"
	"strings"
)

// DirectiveDocs returns the directive reference generated from the table, as
// a markdown list; README.md carries it between the directives markers.
func DirectiveDocs() string {
	var b strings.Builder
	for _, r := range table {
		syntax := r.name
		if r.syntax != "" {
			syntax += " " + r.syntax
		}
		if r.inner != 0 {
			syntax += " { ... }"
		}
		fmt.Fprintf(&b, "- `%s`: %s", syntax, r.doc)
		if r.def != "" {
			fmt.Fprintf(&b, " Default: `%s`.", r.def)
		}
		fmt.Fprintf(&b, " Context: %s.\n", contextNames(r.ctx))
	}
	b.WriteString("\nAccepted and ignored with one warning per name (what is lost; what to use instead), so that an nginx configuration loads:\n\n")
	for _, g := range ignoredDirectives {
		fmt.Fprintf(&b, "- `%s` (%s): %s", strings.Join(g.names, "`, `"), contextNames(g.ctx), g.loss)
		if g.instead != "" {
			fmt.Fprintf(&b, "; %s", g.instead)
		}
		b.WriteString(".\n")
	}
	return b.String()
}

func contextNames(c ctx) string {
	var names []string
	for _, n := range ctxNames {
		if c&n.c != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ", ")
}
