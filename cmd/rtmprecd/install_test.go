package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/testenv"
)

// TestMakeInstall stages `make install` in a DESTDIR with PREFIX=/usr
// (using the test's binary, without rebuilding) and checks what lands
// where: the unit points at the installed binary and configuration, and
// that configuration loads with absolute paths, since systemd starts the
// daemon in /. A second install keeps an edited configuration.
func TestMakeInstall(t *testing.T) {
	mk := testenv.Tool(t, "make")
	dest := t.TempDir()
	install := func() string {
		t.Helper()
		cmd := exec.Command(mk, "-C", "../..", "-o", "build", "install",
			"DESTDIR="+dest, "PREFIX=/usr", "BIN="+daemonBinary(t))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make install: %v\n%s", err, out)
		}
		return string(out)
	}
	install()

	modes := map[string]os.FileMode{
		"usr/bin/rtmprecd":                        0o755,
		"usr/lib/systemd/system/rtmprecd.service": 0o644,
		"usr/lib/sysusers.d/rtmprecd.conf":        0o644,
		"etc/rtmprecd/rtmprecd.conf":              0o644,
		"etc/logrotate.d/rtmprecd":                0o644,
	}
	for p, want := range modes {
		fi, err := os.Stat(filepath.Join(dest, p))
		if err != nil {
			t.Errorf("not installed: %v", err)
			continue
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
	unit, err := os.ReadFile(filepath.Join(dest, "usr/lib/systemd/system/rtmprecd.service"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(unit), "\nExecStart=/usr/bin/rtmprecd -c /etc/rtmprecd/rtmprecd.conf\n") {
		t.Errorf("installed unit's ExecStart does not name the installed files:\n%s", unit)
	}

	rot, err := os.ReadFile(filepath.Join(dest, "etc/logrotate.d/rtmprecd"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rot), "\n            /usr/bin/rtmprecd -s reopen -c /etc/rtmprecd/rtmprecd.conf\n") {
		t.Errorf("installed logrotate file's fallback does not name the installed files:\n%s", rot)
	}

	confPath := filepath.Join(dest, "etc/rtmprecd/rtmprecd.conf")
	checkAbsolute(t, confPath)

	if err := os.WriteFile(confPath, []byte("# edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := install(); !strings.Contains(out, "keeping") {
		t.Errorf("second install did not say it kept the configuration:\n%s", out)
	}
	if b, _ := os.ReadFile(confPath); string(b) != "# edited\n" {
		t.Errorf("second install overwrote the configuration: %q", b)
	}
	if _, err := os.Stat(confPath + ".dist"); err != nil {
		t.Errorf("new configuration not installed beside it: %v", err)
	}
}

// checkAbsolute loads the configuration at path and checks that pid,
// error_log and every record_path are absolute and that it serves
// /metrics.
func checkAbsolute(t *testing.T, path string) {
	t.Helper()
	cfg, err := conf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(cfg.Pid) || !filepath.IsAbs(cfg.ErrorLog) {
		t.Errorf("pid %q, error_log %q: want absolute paths", cfg.Pid, cfg.ErrorLog)
	}
	recorders, metrics := 0, false
	for _, srv := range cfg.Servers {
		for _, app := range srv.Applications {
			for _, r := range app.Recorders {
				recorders++
				if !filepath.IsAbs(r.Path) || !strings.HasPrefix(r.Path, "/var/lib/rtmprecd/") {
					t.Errorf("application %s: record_path %q is not under /var/lib/rtmprecd", app.Name, r.Path)
				}
			}
		}
	}
	for _, hs := range cfg.HTTP {
		for _, loc := range hs.Locations {
			metrics = metrics || loc.Metrics
		}
	}
	if recorders == 0 || !metrics {
		t.Errorf("%d recorders, metrics location %v: want a recorder and /metrics", recorders, metrics)
	}
}

// TestDistConfig: the configuration in dist/ loads as committed.
func TestDistConfig(t *testing.T) { checkAbsolute(t, "../../dist/rtmprecd.conf") }
