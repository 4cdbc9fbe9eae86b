package conf

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestLoadFiles: Config.Files lists the main file and every include, and
// IncludeGlobs the include patterns, for the config watcher.
func TestLoadFiles(t *testing.T) {
	dir := t.TempDir()
	main, inc := filepath.Join(dir, "main.conf"), filepath.Join(dir, "apps.conf")
	if err := os.WriteFile(main, []byte("rtmp { server { include apps.conf; include more/*.conf; } }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inc, []byte("application live { }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(main)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{main, inc}; !slices.Equal(cfg.Files, want) {
		t.Errorf("Files %q, want %q", cfg.Files, want)
	}
	if want := []string{filepath.Join(dir, "more/*.conf")}; !slices.Equal(cfg.IncludeGlobs, want) {
		t.Errorf("IncludeGlobs %q, want %q", cfg.IncludeGlobs, want)
	}
}
