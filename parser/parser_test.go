package parser

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// dump renders a tree compactly for comparisons: name["arg" ...]; or {...}.
func dump(ds []*Directive) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%q[", d.Name)
		for i, a := range d.Args {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%q", a)
		}
		b.WriteByte(']')
		if d.HasBlock {
			b.WriteString("{" + dump(d.Block) + "}")
		} else {
			b.WriteByte(';')
		}
	}
	return b.String()
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"comments only", "# a\n  # b ; { }\n", ""},
		{"simple", "a b c;", `"a"["b" "c"];`},
		{"no args", "a;", `"a"[];`},
		{"block", "rtmp { server { listen 1935; } }", `"rtmp"[]{"server"[]{"listen"["1935"];}}`},
		{"empty block", "events {}", `"events"[]{}`},
		{"separators without space", "a{b;c d;}e;", `"a"[]{"b"[];"c"["d"];}"e"[];`},
		{"brace ends word", "a {b x;}", `"a"[]{"b"["x"];}`},
		{"comment after directive", "a b; # c;\nd;", `"a"["b"];"d"[];`},
		{"hash inside word", "a b#c;", `"a"["b#c"];`},
		{"crlf", "a b;\r\nc;\r\n", `"a"["b"];"c"[];`},
		{"quotes", `a "b c" 'd e' "";`, `"a"["b c" "d e" ""];`},
		{"quoted name", `"a b" c;`, `"a b"["c"];`},
		{"double quote escapes", `a "x\"y\'z\\w\n\r\t\q";`, `"a"["x\"y'z\\w\n\r\t\\q"];`},
		{"single quote escapes", `a 'it\'s \"';`, `"a"["it's \""];`},
		{"unquoted escapes", `a \.flv$ b\ c x\;y \"q;`, `"a"["\\.flv$" "b\\ c" "x\\;y" "\"q"];`},
		{"newline in quotes", "a \"x\ny\";", `"a"["x\ny"];`},
		{"quote inside word", `a b"c'd;`, `"a"["b\"c'd"];`},
		{"quoted then brace", `a "b"{ c; }`, `"a"["b"]{"c"[];}`},
		{"quoted then semicolon", `a "b";`, `"a"["b"];`},
		{"quoted then close brace", `a { b "c";}`, `"a"[]{"b"["c"];}`},
		{"variables", `a ${name}.flv $app x${y}z;`, `"a"["${name}.flv" "$app" "x${y}z"];`},
		{"escaped dollar brace", `a \${ b;}`, `"a"["\\$"]{"b"[];}`},
		{"nginx if", `if ($a = "b") { x; }`, `"if"["($a" "=" "b" ")"]{"x"[];}`},
		{"name starting with include", `includes x;`, `"includes"["x"];`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := Parse("t.conf", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.src, err)
			}
			if got := dump(ds); got != tt.want {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}

func TestParsePositions(t *testing.T) {
	src := "a;\n  b {\n\tc \"d\";\n}\n  'e' f;"
	ds, err := Parse("dir/t.conf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{ds[0].Pos.String(), ds[1].Pos.String(), ds[1].Block[0].Pos.String(), ds[2].Pos.String()}
	want := []string{"dir/t.conf:1:1", "dir/t.conf:2:3", "dir/t.conf:3:2", "dir/t.conf:5:3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("positions %v, want %v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat("x", MaxTokenLen+1)
	tests := []struct {
		name, src, want string
	}{
		{"close at top", "}", `unexpected "}" in t.conf:1`},
		{"close after args", "a {\n b c }", `unexpected "}" in t.conf:2`},
		{"eof in block", "a {", `unexpected end of file, expecting "}" in t.conf:1`},
		{"eof in nested block", "a {\n b { c; }\n", `unexpected end of file, expecting "}" in t.conf:3`},
		{"eof in directive", "a b", `unexpected end of file, expecting ";" or "}" in t.conf:1`},
		{"eof after name in block", "a {\n b", `unexpected end of file, expecting ";" or "}" in t.conf:2`},
		{"semicolon without name", ";", `unexpected ";" in t.conf:1`},
		{"semicolon in block", "a {\n ; }", `unexpected ";" in t.conf:2`},
		{"brace without name", "{ a; }", `unexpected "{" in t.conf:1`},
		{"unbalanced double", "a \"b;", `unbalanced quotes in t.conf:1`},
		{"unbalanced single", "a;\n'b\n\n", `unbalanced quotes in t.conf:2`},
		{"escaped closing quote", `a "b\";`, `unbalanced quotes in t.conf:1`},
		{"char after quote", `a "b"c;`, `unexpected "c" in t.conf:1`},
		{"quote after quote", `a "b"'c';`, `unexpected "'" in t.conf:1`},
		{"hash after quote", `a "b"#c;`, `unexpected "#" in t.conf:1`},
		{"utf8 after quote", `a "b"é;`, `unexpected "é" in t.conf:1`},
		{"long word", "a " + long + ";", `parameter too long (more than 65536 bytes) in t.conf:1`},
		{"long quoted", "a\n\"" + long + "\";", `parameter too long (more than 65536 bytes) in t.conf:2`},
		{"too many args", "a" + strings.Repeat(" x", MaxArgs+1) + ";", `too many arguments in "a" directive (more than 1024) in t.conf:1`},
		{"too deep", strings.Repeat("a {\n", MaxDepth+1), `blocks nested too deeply (more than 100) in t.conf:101`},
		{"include no args", "include;", `invalid number of arguments in "include" directive in t.conf:1`},
		{"include two args", "x;\ninclude a b;", `invalid number of arguments in "include" directive in t.conf:2`},
		{"include with block", "include a { }", `directive "include" is not terminated by ";" in t.conf:1`},
		{"include bad pattern", "include [;", `invalid pattern "[" in "include" directive in t.conf:1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.conf", []byte(tt.src))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse: error %v (%T), want *Error", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestParseLimitsAccepted(t *testing.T) {
	src := strings.Repeat("a {\n", MaxDepth) + "b" + strings.Repeat(" x", MaxArgs-1) +
		" " + strings.Repeat("y", MaxTokenLen) + ";" + strings.Repeat("}", MaxDepth)
	ds, err := Parse("t.conf", []byte(src))
	if err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	for range MaxDepth {
		ds = ds[0].Block
	}
	if len(ds[0].Args) != MaxArgs || len(ds[0].Args[MaxArgs-1]) != MaxTokenLen {
		t.Errorf("got %d args", len(ds[0].Args))
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse("t.conf", make([]byte, MaxFileSize+1))
	want := `open() "t.conf" failed (larger than 16777216 bytes)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func BenchmarkParse(b *testing.B) {
	src, err := os.ReadFile("testdata/golden/nginx-rtmp.conf")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse("nginx.conf", src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	ds, err := ParseFile("testdata/golden/nginx-rtmp.conf")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Format(ds)
	}
}
