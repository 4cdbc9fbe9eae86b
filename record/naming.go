package record

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/strftime"

	"github.com/rtmprecd/rtmprecd/conf"
)

// maxNameLen is the longest file name component most file systems take.
const maxNameLen = 255

// hashLen is the length of "-" plus the hash that replaces the tail of an
// over-long escaped name.
const hashLen = 1 + 8

// counterRoom is the room kept in a name component for the "-N" that
// keeps a new file from truncating an existing one.
const counterRoom = 6

// errOutside is returned when a path would leave record_path; escaping
// makes it unreachable from a stream name.
var errOutside = errors.New("path escapes record_path")

// suffixZone is the zone of strftime suffixes; nil means time.Local.
// Tests set it rather than time.Local, which the runtime's timers read.
var suffixZone *time.Location

// cutName truncates a stream name at its first "/../", as nginx-rtmp.
func cutName(name string) string {
	if i := strings.Index(name, "/../"); i >= 0 {
		return name[:i]
	}
	return name
}

// EscapeName is the one escaping of a client-given name into a file
// name component, for recordings and for exec redirection targets: nginx's
// URI-component escaping (every byte but A-Z a-z 0-9 - . _ ~ becomes %XX,
// upper-case hex, so the result never holds a path separator), and a
// leading dot becomes %2E, so the result is never ".", ".." or a hidden
// file.
func EscapeName(name string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '~' || c == '.' && i > 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// namer builds the candidate paths of one open: the recording root +
// "/" + the expanded path below it + escaped name + ["-" + unix seconds]
// + ["-" + N] + suffix.
type namer struct {
	dir    string // the recording root: record_path, or its part before the first variable
	sub    string // the expanded record_path below dir; "" when it has no variables
	stem   string // escaped name + unique stamp
	suffix string // record_suffix, expanded
}

// nameVars are the values of the variables of record_path and
// record_suffix for one publish.
type nameVars struct {
	app, name, recorder string
	captures            []string // record_streams' $0..$9; $0 is the name without an expression
}

func newNamer(rec *conf.Recorder, name string, now time.Time) (namer, error) {
	return namerFor(rec, nameVars{name: name, recorder: rec.Name, captures: []string{name}}, now)
}

// namerFor expands the recorder's templates for v at now. Each variable
// is one escaped path component (EscapeName), so no value can add a
// directory level or climb out of the root; the result is checked
// against the root all the same.
func namerFor(rec *conf.Recorder, v nameVars, now time.Time) (namer, error) {
	if rec.Path == "" {
		return namer{}, errors.New("record_path is not set")
	}
	local := now.In(zoneOf(rec))
	tf := func(f *strftime.Strftime) string { return f.FormatString(local) }
	uniq := ""
	if rec.Unique {
		uniq = "-" + strconv.FormatInt(now.Unix(), 10)
	}
	suffix := rec.Suffix
	switch {
	case rec.SuffixTemplate != nil:
		suffix = rec.SuffixTemplate.Expand(tf, v.value)
	case rec.SuffixFormat != nil:
		suffix = rec.SuffixFormat.FormatString(local)
	}
	nm := namer{dir: rec.Path, suffix: suffix}
	if t := rec.PathTemplate; t != nil {
		nm.dir = t.Root
		sub, err := below(t.Root, t.Expand(tf, v.value))
		if err != nil {
			return nm, err
		}
		nm.sub = sub
	}
	// The name shares its path component with the stamp, the counter and
	// the suffix up to its first "/".
	head, _, _ := strings.Cut(suffix, "/")
	esc := fitName(notHidden(EscapeName(cutName(v.name))), v.name, len(uniq)+counterRoom+len(head))
	nm.stem = esc + uniq
	return nm, nil
}

// zoneOf is the zone of strftime verbs: record_timezone, else the test
// override, else local time.
func zoneOf(rec *conf.Recorder) *time.Location {
	if rec.Location != nil {
		return rec.Location
	}
	return cmp.Or(suffixZone, time.Local)
}

// value is a variable's value as one path component.
func (v nameVars) value(name string) string {
	raw := ""
	switch name {
	case "app":
		raw = v.app
	case "name":
		raw = cutName(v.name)
	case "recorder":
		raw = v.recorder
	default: // "0".."9"
		if i := int(name[0] - '0'); i < len(v.captures) {
			raw = v.captures[i]
		}
	}
	return fitName(notHidden(EscapeName(raw)), raw, counterRoom)
}

// below returns full relative to root, or errOutside.
func below(root, full string) (string, error) {
	rel, err := filepath.Rel(root, filepath.Clean(full))
	if err != nil || rel != "." && !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%q: %w", full, errOutside)
	}
	if rel == "." {
		return "", nil
	}
	return rel, nil
}

// notHidden keeps an empty name from making a hidden file: it becomes "_",
// so the file name never starts with the suffix's ".". (EscapeName already
// escapes a leading ".", so the names ".", ".." and ".x" are covered.)
func notHidden(esc string) string {
	if esc == "" {
		return "_"
	}
	return esc
}

// fitName shortens an escaped name so that it and extra bytes fit in one
// path component, keeping a prefix and appending a hash of the full name,
// so distinct long names stay distinct.
func fitName(esc, name string, extra int) string {
	if len(esc)+extra <= maxNameLen {
		return esc
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return fmt.Sprintf("%s-%08x", cutEscaped(esc, maxNameLen-extra-hashLen), h.Sum32())
}

// cutEscaped returns at most n bytes of the start of an escaped name,
// never cutting inside a %XX escape.
func cutEscaped(esc string, n int) string {
	keep := min(max(n, 0), len(esc))
	if i := strings.LastIndexByte(esc[:keep], '%'); i >= 0 && i+3 > keep {
		keep = i
	}
	return esc[:keep]
}

// rel returns candidate i relative to record_path: the computed name for
// 0, then "-1", "-2", ... before the suffix.
func (nm namer) rel(i int) (string, error) {
	s := nm.stem
	if i > 0 {
		s += "-" + strconv.Itoa(i)
	}
	return nm.local(filepath.Join(nm.sub, s+nm.suffix))
}

// stamped is a fallback candidate once the "-N" ones are all taken: the
// open's time in nanoseconds and a random number, so that no number of
// earlier files can lock a name out.
func (nm namer) stamped(now time.Time, random uint32) (string, error) {
	stamp := fmt.Sprintf("-%d-%08x", now.UnixNano(), random)
	head, _, _ := strings.Cut(nm.suffix, "/") // shares the path component
	return nm.local(filepath.Join(nm.sub, cutEscaped(nm.stem, maxNameLen-len(stamp)-len(head))+stamp+nm.suffix))
}

// local cleans rel and checks that it names a file below record_path.
func (nm namer) local(rel string) (string, error) {
	r := filepath.Clean(rel)
	if !filepath.IsLocal(r) || r == "." {
		return r, fmt.Errorf("%q: %w", filepath.Join(nm.dir, rel), errOutside)
	}
	return r, nil
}

// abs is rel's path as reported: record_path joined with rel.
func (nm namer) abs(rel string) string { return filepath.Join(nm.dir, rel) }
