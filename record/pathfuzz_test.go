package record

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// pathTemplates are record_path and record_suffix pairs the expansion
// fuzz tries every input against.
var pathTemplates = [][2]string{
	{"/srv/rec/$app/$1/%Y-%m-%d", "-$2.flv"},
	{"/srv/rec/x$name", ".flv"},
	{"/srv/rec/$0/$name/$recorder", "/$1/%H.mp4"},
	{"/srv/rec/$$lit/%%/$app$name", "$$%%.flv"},
	{"/srv/rec/%D/$name", ".flv"}, // %D has slashes of its own: directories, still below the root
}

// FuzzPathExpansion: whatever the application, stream name, captures and
// recorder name, an expanded record_path and record_suffix name a file
// below the recording root, never the root itself, and a value never adds
// a directory level of its own.
func FuzzPathExpansion(f *testing.F) {
	f.Add("live", "cam1", "cam", "1", "r")
	f.Add("..", "../../etc/passwd", "..", "/", "")
	f.Add("a/b", "x/../../y", ".", "%2F..", "..")
	f.Add("", "", "", "", "")
	f.Add("live", strings.Repeat("é/", 200), "%", "$1", "$$")
	f.Fuzz(func(t *testing.T, app, name, c1, c2, recorder string) {
		for _, pt := range pathTemplates {
			checkExpansion(t, pt, nameVars{app: app, name: name, recorder: recorder, captures: []string{name, c1, c2}})
		}
	})
}

func checkExpansion(t *testing.T, pt [2]string, v nameVars) {
	rc := &conf.Recorder{Path: pt[0], Suffix: pt[1], Location: time.UTC}
	var err error
	if rc.PathTemplate, err = conf.CompilePathTemplate(pt[0]); err != nil {
		t.Fatal(err)
	}
	if rc.SuffixTemplate, err = conf.CompilePathTemplate(pt[1]); err != nil {
		t.Fatal(err)
	}
	nm, err := namerFor(rc, v, time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("%v: %v", pt, err)
	}
	for _, i := range []int{0, 3} {
		rel, err := nm.rel(i)
		if err != nil {
			continue // refused (a suffix or literal that leaves the root): nothing is opened
		}
		abs := nm.abs(rel)
		if !filepath.IsLocal(rel) || !strings.HasPrefix(abs, "/srv/rec/") {
			t.Fatalf("%v with %+v: %q is outside /srv/rec", pt, v, abs)
		}
		// the template's own slashes, the file name's, %D's two, and the
		// suffix's: values add none
		want := strings.Count(pt[0], "/") + 1 + strings.Count(pt[1], "/")
		if strings.Contains(pt[0], "%D") {
			want += 2
		}
		if got := strings.Count(abs, "/"); got != want {
			t.Fatalf("%v with %+v: %q has %d levels, want %d", pt, v, abs, got, want)
		}
	}
}
