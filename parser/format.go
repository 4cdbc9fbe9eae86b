package parser

import (
	"bytes"
	"strings"
)

// Format writes directives in canonical form: one directive per line,
// four-space indent, `name args {` ... `}` for blocks, comments dropped, and
// arguments quoted only when they must be. Parsing the result gives the same
// names, arguments and blocks. Format writes `include` directives as they
// are; a tree from Parse has none left, its includes being expanded.
func Format(ds []*Directive) []byte {
	var b bytes.Buffer
	writeBlock(&b, ds, 0)
	return b.Bytes()
}

func writeBlock(b *bytes.Buffer, ds []*Directive, level int) {
	for _, d := range ds {
		indent := strings.Repeat("    ", level)
		b.WriteString(indent)
		b.WriteString(quote(d.Name))
		for _, a := range d.Args {
			b.WriteByte(' ')
			b.WriteString(quote(a))
		}
		if !d.HasBlock && len(d.Block) == 0 {
			b.WriteString(";\n")
			continue
		}
		b.WriteString(" {\n")
		writeBlock(b, d.Block, level+1)
		b.WriteString(indent)
		b.WriteString("}\n")
	}
}

// quote returns s as a token that the lexer reads back as s: bare when that
// is safe, otherwise in double quotes.
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\r\n;{}#\"'\\") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\\':
			// The lexer keeps `\x` as two bytes unless x is an escape, so a
			// backslash needs doubling only before one (`\.flv$` stays).
			if i+1 < len(s) && !strings.ContainsRune("\"'\\trn\n\r\t", rune(s[i+1])) {
				b.WriteByte('\\')
			} else {
				b.WriteString(`\\`)
			}
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
