package parser

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from Format's output")

func TestFormat(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"nested", "rtmp{server{listen 1935;application live{live on;}}}events{}",
			"rtmp {\n    server {\n        listen 1935;\n        application live {\n            live on;\n        }\n    }\n}\nevents {\n}\n"},
		{"bare args stay bare", `a $name/x.flv http://h/p?a=1&b=2 -%Y%m%d.flv ($a ) é;`,
			"a $name/x.flv http://h/p?a=1&b=2 -%Y%m%d.flv ($a ) é;\n"},
		{"quoted only when needed", `'a' "" "b c" "x;y" "{" "}" "#c" 'q"' "s'" "t\tn\nr\r";`,
			`a "" "b c" "x;y" "{" "}" "#c" "q\"" "s'" "t\tn\nr\r";` + "\n"},
		{"variables with braces", `a ${name}.flv;`, `a "${name}.flv";` + "\n"},
		{"backslashes", `a \.flv$ "\\" "\\n" "\\\"" x\ y "a\b\\";`,
			`a "\.flv$" "\\" "\\n" "\\\"" "x\ y" "a\b\\";` + "\n"},
		{"quoted name", `"a b" 'include';`, `"a b" include;` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := Parse("t.conf", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(Format(ds)); got != tt.want {
				t.Errorf("Format\n got %q\nwant %q", got, tt.want)
			}
			checkRoundTrip(t, ds)
		})
	}
}

// checkRoundTrip asserts that parsing Format(ds) gives ds back, positions
// aside, and that Format is idempotent. Includes stay unexpanded so that a
// literal `include` directive reads back as itself.
func checkRoundTrip(t *testing.T, ds []*Directive) {
	t.Helper()
	out := Format(ds)
	st := newState("t.conf")
	st.noInclude = true
	again, err := st.parseMain("t.conf", out)
	if err != nil {
		t.Fatalf("parse of Format output: %v\n%s", err, out)
	}
	if a, b := dump(ds), dump(again); a != b {
		t.Fatalf("round trip changed the tree\nbefore %s\nafter  %s\ntext %q", a, b, out)
	}
	if out2 := Format(again); string(out2) != string(out) {
		t.Fatalf("Format not idempotent:\n%q\n%q", out, out2)
	}
}

func TestFormatGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.conf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			ds, err := ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := Format(ds)
			golden := strings.TrimSuffix(f, ".conf") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("Format(%s) differs from %s:\n%s", f, golden, got)
			}
			checkRoundTrip(t, ds)
		})
	}
}

func TestFormatBlockFromChildren(t *testing.T) {
	// A hand-built tree with children but no HasBlock still prints them.
	ds := []*Directive{{Name: "a", Block: []*Directive{{Name: "b", Args: []string{"c"}}}}}
	if got, want := string(Format(ds)), "a {\n    b c;\n}\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
