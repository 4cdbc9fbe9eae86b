// Package recfile is the one rule for which files under a record path
// are recordings, shared by everything that reads them back (crash
// repair at start, `rtmprecd repair`, index rebuild, retention, HLS):
//
//   - the static prefix of record_path (the directory before its first
//     variable or strftime verb) is the recording root;
//   - a recording's name is the recorder's: it ends with record_suffix
//     (a strftime suffix matches any expansion) and no path component
//     below the root is hidden. The recorder escapes a leading "." of a
//     stream name, so no recording can have a hidden name, and everything
//     kept beside recordings (MP4 journals, spools, temporary files) has
//     one (Beside);
//   - a directory holding a regular DirLock file is one directory
//     recording (HLS): walked as a whole (WalkDirs), never into;
//   - a file whose lock or journal is held by a live writer (this
//     daemon, or a second one on the same directory) is being written and
//     must be left alone (Busy).
package recfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// DirLock is the stable lock file inside a directory recording (HLS):
// format.LockName, named here too so this package needs no format.
const DirLock = ".rtmprecd.lock"

// Root is one recorder's recording root and the names it writes there.
type Root struct {
	Dir string // the recording root: record_path's static prefix
	// Suffix is record_suffix as written; with Timed (strftime verbs or
	// $variables in it) any expansion matches.
	Suffix string
	Timed  bool
}

// Hidden reports whether a file name is one no recording can have.
func Hidden(name string) bool { return strings.HasPrefix(name, ".") }

// Beside is the hidden companion of the recording at path with the given
// extension (".journal"): same directory, "." + base name + ext.
func Beside(path, ext string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+ext)
}

// Matches reports whether rel, a path below the root, is a name the
// recorder produces.
func (r Root) Matches(rel string) bool {
	for c := range strings.SplitSeq(filepath.ToSlash(rel), "/") {
		if c == "" || Hidden(c) {
			return false
		}
	}
	if r.Timed {
		return timedPattern(r.Suffix).MatchString(rel)
	}
	return len(rel) > len(r.Suffix) && strings.HasSuffix(rel, r.Suffix)
}

// timedPattern matches names made with a suffix with substitutions: a
// non-empty stem, then the suffix with every strftime verb ("%Y") and
// variable ("$name", "$1") expanded to anything but "/" ("%%" and "$$"
// are the characters themselves).
func timedPattern(suffix string) *regexp.Regexp {
	var re strings.Builder
	re.WriteString(`^[^/].*?`)
	for i := 0; i < len(suffix); i++ {
		c := suffix[i]
		switch {
		case c != '%' && c != '$' || i+1 == len(suffix):
			re.WriteString(regexp.QuoteMeta(string(c)))
		case suffix[i+1] == c:
			re.WriteString(regexp.QuoteMeta(string(c)))
			i++
		case c == '%':
			re.WriteString(`[^/]*`)
			i++
		default: // a variable: its name runs over letters and digits
			for i+1 < len(suffix) && isWordByte(suffix[i+1]) {
				i++
			}
			re.WriteString(`[^/]*`)
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String())
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// Walk calls fn with the path of every recording below the root, in
// lexical order: regular files (links are not followed), no hidden
// component, the recorder's names. Busy files are passed too: the caller
// decides (Busy). A missing root is no error.
func Walk(r Root, fn func(path string) error) error {
	err := filepath.WalkDir(r.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == r.Dir && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if p == r.Dir {
			return nil
		}
		if Hidden(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() && IsDirRecording(p) {
			return filepath.SkipDir // its init.mp4 and segments are not recordings of their own
		}
		rel, err := filepath.Rel(r.Dir, p)
		if err != nil || !d.Type().IsRegular() || !r.Matches(rel) {
			return err
		}
		return fn(p)
	})
	if err != nil {
		return fmt.Errorf("walk %s: %w", r.Dir, err)
	}
	return nil
}

// IsDirRecording reports whether dir is a directory recording: it holds
// a regular DirLock file (not a link).
func IsDirRecording(dir string) bool {
	st, err := os.Lstat(filepath.Join(dir, DirLock))
	return err == nil && st.Mode().IsRegular()
}

// WalkDirs calls fn for every directory recording below r.Dir that has
// the recorder's name, in lexical order, without descending into them.
// A missing root is no error.
func WalkDirs(r Root, fn func(dir string) error) error {
	err := filepath.WalkDir(r.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == r.Dir && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if p == r.Dir || !d.IsDir() {
			return nil
		}
		if Hidden(d.Name()) {
			return filepath.SkipDir
		}
		if !IsDirRecording(p) {
			return nil
		}
		rel, err := filepath.Rel(r.Dir, p)
		if err != nil {
			return err
		}
		if r.Matches(rel) {
			if err := fn(p); err != nil {
				return err
			}
		}
		return filepath.SkipDir
	})
	if err != nil {
		return fmt.Errorf("walk %s: %w", r.Dir, err)
	}
	return nil
}

// Remove removes the recording at path: a file, or a directory recording
// whole (its playlist, segments and DirLock). A directory that is not a
// directory recording is refused, so a row pointing at some other
// directory never removes it. A recording already gone gives an error
// that is fs.ErrNotExist.
func Remove(path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return os.Remove(path)
	}
	if !IsDirRecording(path) {
		return fmt.Errorf("remove %s: a directory without %s is not a recording", path, DirLock)
	}
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("remove recording directory: %w", err)
	}
	return nil
}
