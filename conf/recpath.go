package conf

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/lestrrat-go/strftime"
	"github.com/rtmprecd/rtmprecd/parser"
)

// PathTemplate is a record_path or record_suffix with variables ($app,
// $name, $recorder, $0..$9) or strftime verbs. Literal text is taken as
// written ("$$" is a "$", "%%" a "%"); each variable's value is one
// escaped path component, given by the caller of Expand.
type PathTemplate struct {
	Text  string
	Parts []PathPart
	// Root is the directory before the first variable or verb (for a
	// record_path): no expansion may name anything outside it.
	Root string
	// MaxCapture is the highest $1..$9 used; 0 when none.
	MaxCapture int
}

// PathPart is a literal (strftime-expanded when F is set) or a variable.
type PathPart struct {
	Lit string
	F   *strftime.Strftime
	Var string // "app", "name", "recorder" or "0".."9"; "" for a literal
}

// IsTemplate reports whether s uses variables or strftime verbs.
func IsTemplate(s string) bool { return strings.ContainsAny(s, "$%") }

var pathVars = []string{"app", "name", "recorder"}

// CompilePathTemplate splits s into literals and variables; an unknown
// variable or a bad strftime verb is an error.
func CompilePathTemplate(s string) (*PathTemplate, error) {
	t := &PathTemplate{Text: s}
	var lit strings.Builder
	flush := func() error {
		if lit.Len() == 0 {
			return nil
		}
		f, err := compileSuffix(lit.String())
		if err != nil {
			return err
		}
		t.Parts = append(t.Parts, PathPart{Lit: lit.String(), F: f})
		lit.Reset()
		return nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			lit.WriteByte(s[i])
			continue
		}
		v, n := varAt(s[i+1:])
		if v == "$" {
			lit.WriteByte('$')
			i += n
			continue
		}
		if v == "" {
			return nil, badValueWhy(s, "unknown variable at %q: use $app, $name, $recorder, $0..$9, or $$ for a \"$\"", s[i:])
		}
		if err := flush(); err != nil {
			return nil, err
		}
		if c := v[0]; c >= '1' && c <= '9' {
			t.MaxCapture = max(t.MaxCapture, int(c-'0'))
		}
		t.Parts = append(t.Parts, PathPart{Var: v})
		i += n
	}
	if err := flush(); err != nil {
		return nil, err
	}
	t.Root = rootOf(s)
	return t, nil
}

// varAt reads the variable after a "$": its name and length; "" when
// unknown, "$" for "$$".
func varAt(s string) (string, int) {
	if s == "" {
		return "", 0
	}
	if s[0] == '$' {
		return "$", 1
	}
	if s[0] >= '0' && s[0] <= '9' {
		return s[:1], 1
	}
	n := 0
	for n < len(s) && (s[n] >= 'a' && s[n] <= 'z' || s[n] == '_') {
		n++
	}
	for _, v := range pathVars {
		if s[:n] == v {
			return v, n
		}
	}
	return "", 0
}

// rootOf is the directory of the text before the first variable or verb.
func rootOf(s string) string {
	prefix := s
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || s[i] == '$' && (i+1 >= len(s) || s[i+1] != '$') {
			prefix = s[:i]
			break
		}
		if s[i] == '$' {
			i++ // "$$"
		}
	}
	prefix = strings.ReplaceAll(prefix, "$$", "$")
	if prefix == s {
		return filepath.Clean(s)
	}
	if strings.HasSuffix(prefix, "/") {
		return filepath.Clean(prefix)
	}
	return filepath.Dir(prefix)
}

// Expand writes the template for the time formatter tf (nil: literals as
// written) with value(v) for each variable.
func (t *PathTemplate) Expand(tf func(*strftime.Strftime) string, value func(v string) string) string {
	var b strings.Builder
	for _, p := range t.Parts {
		switch {
		case p.Var != "":
			b.WriteString(value(p.Var))
		case p.F != nil && tf != nil:
			b.WriteString(tf(p.F))
		default:
			b.WriteString(p.Lit)
		}
	}
	return b.String()
}

// StreamFilter is record_streams: a regular expression (written ~REGEX)
// or a list of exact names.
type StreamFilter struct {
	Args  []string // as written, for the dump
	Regex *regexp.Regexp
	Names []string
}

// Match reports whether the recorder records stream name, with the
// captures $0..$9 ($0 the whole match; the name itself for a list).
func (f *StreamFilter) Match(name string) ([]string, bool) {
	if f == nil {
		return []string{name}, true
	}
	if f.Regex != nil {
		m := f.Regex.FindStringSubmatch(name)
		return m, m != nil
	}
	for _, n := range f.Names {
		if n == name {
			return []string{name}, true
		}
	}
	return nil, false
}

func setStreams(_ *loader, d *parser.Directive) (any, error) {
	f := &StreamFilter{Args: d.Args}
	if re, ok := strings.CutPrefix(d.Args[0], "~"); ok {
		if len(d.Args) > 1 {
			return nil, badValueWhy(d.Args[1], "a regular expression (~REGEX) stands alone")
		}
		rx, err := regexp.Compile(re)
		if err != nil {
			return nil, badValueWhy(d.Args[0], "%v", err)
		}
		f.Regex = rx
		return f, nil
	}
	f.Names = d.Args
	return f, nil
}

func dumpStreams(r *row, s *scope, w *dumper) {
	if f, ok := s.get(r.storeKey()).(*StreamFilter); ok {
		w.line(r.name, f.Args...)
	}
}

// compileRecordPaths compiles a recorder's record_path and record_suffix
// templates and checks what can be decided at load: captures the
// record_streams expression has, no ".." after the root.
func compileRecordPaths(s *scope, r *Recorder) error {
	if e := s.lookup("record_path"); e != nil && IsTemplate(r.Path) {
		t, err := CompilePathTemplate(r.Path)
		if err == nil {
			err = checkTemplate(t, r, true)
		}
		if err != nil {
			return valueError(&parser.Directive{Name: "record_path", Pos: e.pos}, err)
		}
		r.PathTemplate = t
	}
	if strings.Contains(r.Suffix, "$") {
		t, err := CompilePathTemplate(r.Suffix)
		if err == nil {
			err = checkTemplate(t, r, false)
		}
		if err != nil {
			pos := r.Pos
			if e := s.lookup("record_suffix"); e != nil {
				pos = e.pos
			}
			return valueError(&parser.Directive{Name: "record_suffix", Pos: pos}, err)
		}
		r.SuffixTemplate, r.SuffixFormat = t, nil
	}
	return nil
}

func checkTemplate(t *PathTemplate, r *Recorder, isPath bool) error {
	groups := 0
	if r.Streams != nil && r.Streams.Regex != nil {
		groups = r.Streams.Regex.NumSubexp()
	}
	if t.MaxCapture > groups {
		return badValueWhy(t.Text, "$%d needs \"record_streams ~REGEX\" with at least %d groups in the recorder (it has %d)",
			t.MaxCapture, t.MaxCapture, groups)
	}
	first := max(strings.IndexAny(t.Text, "$%"), 0)
	if isPath && !strings.Contains(t.Text[:first], "/") {
		return badValueWhy(t.Text, "a directory must come before the first variable or verb: it is the root nothing is written outside of")
	}
	for comp := range strings.SplitSeq(t.Text[first:], "/") {
		if comp == ".." {
			return badValueWhy(t.Text, "\"..\" after the first variable could leave the recording root %q", t.Root)
		}
	}
	return nil
}

// templateKey is the recorder's file name pattern for the "two recorders
// write the same files" check: the path text with $recorder resolved,
// the other variables as written.
func (r *Recorder) templateKey() string {
	p := r.Path
	if r.PathTemplate != nil {
		p = r.PathTemplate.Expand(nil, func(v string) string {
			if v == "recorder" {
				return r.Name
			}
			return "$" + v
		})
	}
	return fmt.Sprintf("%s\x00%t\x00%s", filepath.Clean(p), r.Unique, r.Suffix)
}

// overlaps reports whether two recorders' filters are known to select a
// common stream name: always when either records every stream; for two
// lists, a shared name; for a list and an expression, a listed name it
// matches. Two expressions cannot be decided here: at run time the
// never-truncate rule (-1, -2) keeps their files apart.
func (f *StreamFilter) overlaps(o *StreamFilter) bool {
	if f == nil || o == nil {
		return true
	}
	if f.Regex != nil && o.Regex != nil {
		return false
	}
	if f.Regex != nil {
		f, o = o, f
	}
	for _, n := range f.Names {
		if _, ok := o.Match(n); ok {
			return true
		}
	}
	return false
}
