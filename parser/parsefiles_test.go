package parser

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestParseFileFiles: the files read come back in reading order, empty
// includes too, and with an error the files read up to it, the missing
// one included, so a config watcher can wait for it.
func TestParseFileFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.conf":   "include apps/*.conf;\ninclude empty.conf;\n",
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
		want    []string
		wantErr bool
	}{
		{"main.conf", abs("main.conf", "apps/a.conf", "apps/b.conf", "empty.conf"), false},
		{"bad.conf", abs("bad.conf", "empty.conf", "missing.conf"), true},
		{"nope.conf", abs("nope.conf"), true},
	}
	for _, tt := range tests {
		t.Run(tt.main, func(t *testing.T) {
			_, files, err := ParseFileFiles(filepath.Join(dir, tt.main))
			if (err != nil) != tt.wantErr || !slices.Equal(files, tt.want) {
				t.Errorf("files %q, err %v\nwant %q, error %v", files, err, tt.want, tt.wantErr)
			}
		})
	}
}
