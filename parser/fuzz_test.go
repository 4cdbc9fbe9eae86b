package parser

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"testing"
)

// fuzzFiles is the file system fuzzed configs may include from: enough for
// includes, globs, nesting and cycles, without touching the real disk.
var fuzzFiles = map[string]string{
	"/cfg/a.conf":    "a 1;\ninclude b.conf;",
	"/cfg/b.conf":    "b { c \"d\"; }",
	"/cfg/self.conf": "include self.conf;",
	"/cfg/open.conf": "x {",
	"/cfg/d/1.conf":  "one;",
	"/cfg/d/2.conf":  "include d/*.conf;",
}

func fuzzState() *state {
	st := newState("/cfg/main.conf")
	st.readFile = func(p string) ([]byte, error) {
		if s, ok := fuzzFiles[p]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	st.glob = func(pattern string) ([]string, error) {
		if _, err := path.Match(pattern, ""); err != nil {
			return nil, err
		}
		var m []string
		for p := range fuzzFiles {
			if ok, _ := path.Match(pattern, p); ok {
				m = append(m, p)
			}
		}
		slices.Sort(m)
		return m, nil
	}
	return st
}

// FuzzParse checks that any input either parses or gives an *Error, never
// panics, and that what parses survives Format and a second parse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("rtmp { server { listen 1935; application live { record all; } } }"))
	f.Add([]byte("include a.conf; include d/*.conf;"))
	f.Add([]byte(`a "b\"c" 'd' ${e} \.f;`))
	f.Fuzz(func(t *testing.T, src []byte) {
		ds, err := fuzzState().parseMain("/cfg/main.conf", src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if pe.Pos.File == "" || pe.Pos.Line < 1 || pe.Pos.Col < 1 {
				t.Fatalf("error %v has no position: %+v", err, pe.Pos)
			}
			return
		}
		checkRoundTrip(t, ds)
	})
}
