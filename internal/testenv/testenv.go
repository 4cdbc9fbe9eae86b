// Package testenv is how tests ask for what the machine must provide (a
// tool on PATH, a tmpfs mount): under CI=true a missing requirement fails
// the test loudly, since CI installs everything and must never pass by
// skipping; elsewhere the test is skipped with the reason.
package testenv

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// CI reports whether the tests run under CI=true.
func CI() bool { return os.Getenv("CI") == "true" }

// Need fails the test under CI=true, and skips it otherwise, when err says
// that what is described cannot be had.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if CI() {
		t.Fatalf("%s is required under CI=true: %v", what, err)
	}
	t.Skipf("%s is not available, skipping: %v", what, err)
}

// Tool returns the path of the program name on PATH, or the first of
// fallbacks that exists (tools that live in sbin), as Need does.
func Tool(t testing.TB, name string, fallbacks ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		for _, f := range fallbacks {
			if _, serr := os.Stat(f); serr == nil {
				return f
			}
		}
	}
	Need(t, name, err)
	return path
}

// Tmpfs mounts a tmpfs of size (mount(8) syntax: "1m") on a new temporary
// directory, unmounted at the end of the test, and returns the directory.
// It needs root or CAP_SYS_ADMIN, as Need does.
func Tmpfs(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size)
	Need(t, "a "+size+" tmpfs mount (root or CAP_SYS_ADMIN)", err)
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}
