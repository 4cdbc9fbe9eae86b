package notify

import (
	"net/url"
	"path"
	"strings"
	"testing"
)

// FuzzFormValue: any value a client controls (stream name, flashver,
// tcUrl, ...) survives nginx's args escaping: a form decoder gets it back
// unchanged, and it can never add a parameter of its own.
func FuzzFormValue(f *testing.F) {
	for _, s := range []string{"cam", "a b&call=x", "=%+;?#", "é\x00\xff", `"<>\^{|}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		fm := &form{}
		fm.add("name", v)
		fm.add("call", "publish")
		enc := fm.encode()
		if strings.ContainsAny(enc, " +#;") || strings.Count(enc, "&") != 1 {
			t.Fatalf("encoded %q has extra separators", enc)
		}
		q, err := url.ParseQuery(enc)
		if err != nil {
			t.Fatalf("ParseQuery(%q): %v", enc, err)
		}
		if len(q) != 2 || q.Get("name") != v || q.Get("call") != "publish" {
			t.Fatalf("decoded %v from %q, want name %q", q, enc, v)
		}
	})
}

// FuzzExpand: expansion never panics, and a variable's value appears only
// where the variable was named.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"$name", "${path}x", `\$a\`, "${", "$", "a$b${c}\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := expand(s, map[string]string{"name": "\x01"})
		if !strings.Contains(s, "name") && strings.Count(out, "\x01") > strings.Count(s, "\x01") {
			t.Fatalf("expand(%q) = %q", s, out)
		}
	})
}

// FuzzRedirectTarget: whatever a client names its stream or puts in its
// args, a redirection target built from them stays one file directly in
// the directory the configuration names, never hidden.
func FuzzRedirectTarget(f *testing.F) {
	for _, s := range []string{"cam", "../outside/victim", "..", ".", "", "a/../../b", "\x00/\xff", "%2F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, target := range []string{"/logs/$name", "/logs/${args}.log", "/logs/$tcurl$pageurl"} {
			got := expandTarget(target, map[string]string{"name": v, "args": v, "tcurl": v, "pageurl": v})
			dir, file := path.Split(got)
			if dir != "/logs/" || strings.HasPrefix(file, ".") && file != ".log" {
				t.Fatalf("expandTarget(%q) with %q = %q", target, v, got)
			}
		}
	})
}
