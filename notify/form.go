package notify

import (
	"strings"
)

// form is an ordered list of callback parameters. Order matters: nginx-rtmp
// receivers (and people reading their logs) expect its exact layout, and
// receivers take the first occurrence of a key.
type form struct {
	keys, vals []string
	raw        string // the client's own query args, appended unescaped last
}

func (f *form) add(k, v string) { f.keys, f.vals = append(f.keys, k), append(f.vals, v) }

// encode renders the parameters as nginx-rtmp does: key=value pairs joined
// by '&' with nginx's args escaping, then '&' and the client's args raw.
func (f *form) encode() string {
	var b strings.Builder
	for i, k := range f.keys {
		if i > 0 {
			b.WriteByte('&')
		}
		escapeArgs(&b, k)
		b.WriteByte('=')
		escapeArgs(&b, f.vals[i])
	}
	if f.raw != "" {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		escapeRaw(&b, f.raw)
	}
	return b.String()
}

// argsEscape marks the bytes nginx (1.21.1 and later) escapes in
// NGX_ESCAPE_ARGS: control bytes, bytes ≥ 0x7F, space, `"`, `#`, `%`, `&`,
// `+`, `;`, `<`, `>`, `?`, `\`, `^`, backquote, `{`, `|`, `}`. `/`, `:`,
// `=`, `@` and `,` stay literal, as receivers written for nginx expect.
var argsEscape = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c <= 0x20 || c >= 0x7F
	}
	for _, c := range "\"#%&+;<>?\\^`{|}" {
		t[c] = true
	}
	return t
}()

const upperHex = "0123456789ABCDEF"

func escapeArgs(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !argsEscape[c] {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&0xF])
	}
}

// escapeRaw copies the client's args unescaped, as nginx-rtmp does, except
// for spaces, control bytes and bytes ≥ 0x7F: those would make a GET
// request line invalid, and decoding gives the same bytes back.
func escapeRaw(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > 0x20 && c < 0x7F {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&0xF])
	}
}
