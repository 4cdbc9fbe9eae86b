package parser

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles creates files (path relative to dir → content) and returns dir.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestIncludeRelativeToMainFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"nginx.conf":      "rtmp {\n    include conf.d/app.conf;\n}\nz;\n",
		"conf.d/app.conf": "# app\napplication live {\n  include conf.d/rec.conf;\n}\n",
		// Relative to the main file's directory, not to conf.d/.
		"conf.d/rec.conf": "record all;",
	})
	ds, err := ParseFile(filepath.Join(dir, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dump(ds), `"rtmp"[]{"application"["live"]{"record"["all"];}}"z"[];`; got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	app, rec := ds[0].Block[0], ds[0].Block[0].Block[0]
	if want := filepath.Join(dir, "conf.d/app.conf") + ":2:1"; app.Pos.String() != want {
		t.Errorf("application at %s, want %s", app.Pos, want)
	}
	if want := filepath.Join(dir, "conf.d/rec.conf") + ":1:1"; rec.Pos.String() != want {
		t.Errorf("record at %s, want %s", rec.Pos, want)
	}
	if want := filepath.Join(dir, "nginx.conf") + ":4:1"; ds[1].Pos.String() != want {
		t.Errorf("z at %s, want %s", ds[1].Pos, want)
	}
}

func TestIncludeGlob(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.conf":    "a;\ninclude apps/*.conf;\ninclude none/*.conf;\nd;",
		"apps/c.conf":  "c;",
		"apps/b.conf":  "b1; b2;",
		"apps/x.txt":   "x;",
		"apps/a[.conf": "bracket;",
	})
	ds, err := ParseFile(filepath.Join(dir, "main.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dump(ds), `"a"[];"bracket"[];"b1"[];"b2"[];"c"[];"d"[];`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestIncludePrefixWithMetacharacters(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"x[1]/main.conf": "include *.inc;",
		"x[1]/a.inc":     "a;",
	})
	ds, err := ParseFile(filepath.Join(dir, "x[1]/main.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dump(ds), `"a"[];`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestIncludeAbsolute(t *testing.T) {
	other := writeFiles(t, map[string]string{"abs.conf": "abs 1;"})
	dir := writeFiles(t, map[string]string{
		"main.conf": fmt.Sprintf("include %q;", filepath.Join(other, "abs.conf")),
	})
	ds, err := ParseFile(filepath.Join(dir, "main.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dump(ds), `"abs"["1"];`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestIncludeErrors(t *testing.T) {
	chain := map[string]string{"main.conf": "include f1.conf;"}
	for i := 1; i <= MaxIncludeDeep+1; i++ {
		chain[fmt.Sprintf("f%d.conf", i)] = fmt.Sprintf("include f%d.conf;", i+1)
	}
	fanout := map[string]string{"main.conf": "include g0.conf;", "g13.conf": "x;"}
	for i := range 13 { // 2^13 reads of the last level > MaxFiles
		fanout[fmt.Sprintf("g%d.conf", i)] = fmt.Sprintf("include g%[1]d.conf;\ninclude g%[1]d.conf;", i+1)
	}
	tests := []struct {
		name  string
		files map[string]string
		want  string // D stands for the directory
	}{
		{"missing", map[string]string{"main.conf": "a;\ninclude nope.conf;"},
			`open() "D/nope.conf" failed (no such file or directory) in D/main.conf:2`},
		{"self cycle", map[string]string{"main.conf": "include main.conf;"},
			`include cycle: D/main.conf -> D/main.conf in D/main.conf:1`},
		{"cycle", map[string]string{"main.conf": "include a.conf;", "a.conf": "x;\ninclude b.conf;", "b.conf": "include ./a.conf;"},
			`include cycle: D/a.conf -> D/b.conf -> D/a.conf in D/b.conf:1`},
		{"glob cycle", map[string]string{"main.conf": "include c/*.conf;", "c/a.conf": "include c/*.conf;"},
			`include cycle: D/c/a.conf -> D/c/a.conf in D/c/a.conf:1`},
		{"error in included file", map[string]string{"main.conf": "a {\ninclude b.conf;\n}", "b.conf": "b;\n}"},
			`unexpected "}" in D/b.conf:2`},
		{"block closed across files", map[string]string{"main.conf": "a {\ninclude b.conf;", "b.conf": "}"},
			`unexpected "}" in D/b.conf:1`},
		{"directory", map[string]string{"main.conf": "include d/*;", "d/sub/x.conf": "x;"},
			`open() "D/d/sub" failed (not a regular file) in D/main.conf:1`},
		{"too deep", chain, `includes nested too deeply (more than 64) in D/f64.conf:1`},
		{"too many files", fanout, `too many included files (more than 4096) in D/g12.conf:1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			_, err := ParseFile(filepath.Join(dir, "main.conf"))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("got %v (%T), want *Error", err, err)
			}
			if want := strings.ReplaceAll(tt.want, "D/", dir+"/"); err.Error() != want {
				t.Errorf("got  %s\nwant %s", err, want)
			}
		})
	}
}

func TestIncludeMissingUnwraps(t *testing.T) {
	_, err := Parse(filepath.Join(t.TempDir(), "main.conf"), []byte("include nope.conf;"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
}

func TestParseFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.conf")
	_, err := ParseFile(path)
	want := fmt.Sprintf("open() %q failed (no such file or directory)", path)
	if err == nil || err.Error() != want || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want %s wrapping fs.ErrNotExist", err, want)
	}
	var pe *Error
	if errors.As(err, &pe) {
		t.Errorf("got *Error %v for an unreadable main file, want a plain error", err)
	}
}

func TestParseFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	_, err := ParseFile(dir)
	if want := fmt.Sprintf("open() %q failed (not a regular file)", dir); err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestIncludeTotalSize(t *testing.T) {
	big := append([]byte("#"), make([]byte, MaxFileSize-1)...) // one long comment
	st := newState("/cfg/main.conf")
	st.readFile = func(string) ([]byte, error) { return big, nil }
	st.glob = func(string) ([]string, error) { return []string{"/cfg/1", "/cfg/2", "/cfg/3", "/cfg/4"}, nil }
	_, err := st.parseMain("/cfg/main.conf", []byte("x;\ninclude *;"))
	want := `included files too large in total (more than 67108864 bytes) in /cfg/main.conf:2`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestIncludeFileTooLarge(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.conf": "include big.conf;"})
	if err := os.WriteFile(filepath.Join(dir, "big.conf"), make([]byte, MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseFile(filepath.Join(dir, "main.conf"))
	want := fmt.Sprintf(`open() "%s/big.conf" failed (larger than 16777216 bytes) in %s/main.conf:1`, dir, dir)
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
