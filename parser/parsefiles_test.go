package parser

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestParseFileSources: the files read come back in reading order, empty
// includes too, and with an error the files read up to it, the missing
// one included, so a config watcher can wait for it; wildcard patterns come
// back resolved, even when they match nothing.
func TestParseFileSources(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.conf":   "include apps/*.conf;\ninclude empty.conf;\ninclude none/*.conf;\n",
		"apps/b.conf": "b;",
		"apps/a.conf": "a;",
		"empty.conf":  "",
		"bad.conf":    "include empty.conf;\ninclude missing.conf;\n",
	})
	abs := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, filepath.Join(dir, n))
		}
		return out
	}
	tests := []struct {
		main    string
		files   []string
		globs   []string
		wantErr bool
	}{
		{"main.conf", abs("main.conf", "apps/a.conf", "apps/b.conf", "empty.conf"), abs("apps/*.conf", "none/*.conf"), false},
		{"bad.conf", abs("bad.conf", "empty.conf", "missing.conf"), nil, true},
		{"nope.conf", abs("nope.conf"), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.main, func(t *testing.T) {
			_, src, err := ParseFileSources(filepath.Join(dir, tt.main))
			if (err != nil) != tt.wantErr || !slices.Equal(src.Files, tt.files) || !slices.Equal(src.Globs, tt.globs) {
				t.Errorf("sources %q, err %v\nwant %q %q, error %v", src, err, tt.files, tt.globs, tt.wantErr)
			}
		})
	}
}
