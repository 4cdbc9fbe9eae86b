package conf

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/rtmprecd/rtmprecd/parser"
)

// Load reads, validates and merges the configuration file at path. Errors
// name FILE:LINE; syntax errors are the parser's own *parser.Error, meaning
// errors are *Error.
func Load(path string) (*Config, error) {
	dirs, src, err := parser.ParseFileSources(path)
	if err != nil {
		return nil, err
	}
	cfg, err := build(path, dirs)
	if err != nil {
		return nil, err
	}
	cfg.Files, cfg.IncludeGlobs = src.Files, src.Globs
	return cfg, nil
}

// LoadBytes is Load for a configuration held in memory; name is used in
// positions and to resolve relative includes.
func LoadBytes(name string, src []byte) (*Config, error) {
	dirs, err := parser.Parse(name, src)
	if err != nil {
		return nil, err
	}
	return build(name, dirs)
}

// build turns a parsed tree into a snapshot: walk (syntax → scopes with typed
// values), then assemble (merge and validate), then dump and hash.
func build(file string, dirs []*parser.Directive) (*Config, error) {
	l := &loader{}
	root := newScope(ctxMain, nil, parser.Pos{File: file, Line: 1, Col: 1}, "")
	if err := l.block(root, dirs); err != nil {
		return nil, err
	}
	cfg, err := assemble(file, root, l)
	if err != nil {
		return nil, err
	}
	cfg.dump = dump(root)
	cfg.Hash = hashOf(cfg.dump)
	return cfg, nil
}

// loader carries what the walk collects besides values.
type loader struct {
	warnings []Warning
	ignored  map[string]bool // ignored directive names already warned about
	formats  map[string]bool // log_format names defined so far
	// noAppendWarned: record_append with a format that cannot append was
	// warned about (once per configuration, however many recorders
	// inherit it).
	noAppendWarned bool
}

// warnIgnored warns about an ignored directive once per name: a copied
// nginx.conf repeats `hls_*` or `root` in every block, and the first
// warning already says what is lost.
func (l *loader) warnIgnored(g *ignoredGroup, d *parser.Directive) {
	if l.ignored[d.Name] {
		return
	}
	if l.ignored == nil {
		l.ignored = map[string]bool{}
	}
	l.ignored[d.Name] = true
	l.warn(d.Pos, g.message(d.Name))
}

// warn adds a warning once: a setting inherited by several applications
// is one line to fix, reported once.
func (l *loader) warn(pos parser.Pos, msg string) {
	if l == nil || slices.Contains(l.warnings, Warning{Pos: pos, Msg: msg}) {
		return
	}
	l.warnings = append(l.warnings, Warning{Pos: pos, Msg: msg})
}

func (l *loader) block(s *scope, dirs []*parser.Directive) error {
	for _, d := range dirs {
		if err := l.directive(s, d); err != nil {
			return err
		}
	}
	return nil
}

// directive applies one directive to scope s: find its row, check context
// and arity, convert the value, store it (or open its block).
func (l *loader) directive(s *scope, d *parser.Directive) error {
	r, known := lookupRow(d.Name, s.ctx)
	g := lookupIgnored(d.Name, s.ctx)
	if r == nil && g == nil {
		if known {
			return errAt(d.Pos, strconv.Quote(d.Name)+" directive is not allowed here")
		}
		return errAt(d.Pos, "unknown directive "+strconv.Quote(d.Name))
	}
	if err := checkTerminated(d); err != nil {
		return err
	}
	if r == nil {
		l.warnIgnored(g, d)
		return nil
	}
	if err := checkShape(r, d); err != nil {
		return err
	}
	key := r.storeKey()
	prev := s.vals[key]
	if prev != nil && r.repeat == nil {
		return errAt(d.Pos, strconv.Quote(d.Name)+" directive is duplicate")
	}
	if r.inner != 0 {
		return l.open(s, r, d, prev == nil)
	}
	v, err := r.set(l, d)
	if err != nil {
		return valueError(d, err)
	}
	switch {
	case v == nil: // accepted and ignored (allow play)
	case prev == nil:
		s.vals[key] = &entry{val: v, pos: d.Pos}
	default:
		prev.val = r.repeat(prev.val, v)
	}
	return nil
}

// checkTerminated finds a missing `;`: the parser, knowing no names, reads
// `record all` NEWLINE `record_path /x;` as one directive with three
// arguments. An unquoted argument that starts a new line and is itself a
// directive name is taken for the next directive, and reported as nginx
// words it, at the line where the `;` is missing. Continuation lines of
// commands (`exec_record_done ffmpeg ...` NEWLINE `-c copy ...`) start with
// anything but a directive name, so they stay arguments.
func checkTerminated(d *parser.Directive) error {
	prev := d.Pos
	for i, a := range d.ArgInfo {
		if a.Pos.Line > prev.Line && !a.Quoted && isDirectiveName(d.Args[i]) {
			return errAt(prev, "directive "+strconv.Quote(d.Name)+" is not terminated by \";\"")
		}
		prev = a.Pos
	}
	return nil
}

// isDirectiveName reports whether name is a directive anywhere: in the
// table or among the ignored nginx directives.
func isDirectiveName(name string) bool {
	if _, known := lookupRow(name, ^ctx(0)); known {
		return true
	}
	return ignored(name, ^ctx(0))
}

// checkShape checks block-ness and the argument count, with nginx's words.
func checkShape(r *row, d *parser.Directive) error {
	q := strconv.Quote(d.Name)
	if r.inner != 0 && !d.HasBlock {
		return errAt(d.Pos, "directive "+q+" has no opening \"{\"")
	}
	if r.inner == 0 && d.HasBlock {
		return errAt(d.Pos, "directive "+q+" is not terminated by \";\"")
	}
	if len(d.Args) < r.min || (r.max >= 0 && len(d.Args) > r.max) {
		return errAt(d.Pos, "invalid number of arguments in "+q+" directive")
	}
	return nil
}

// open creates the scope of a block directive and walks its body.
func (l *loader) open(s *scope, r *row, d *parser.Directive, first bool) error {
	args, skip, err := l.locationArgs(d)
	if err != nil || skip {
		return err
	}
	name := ""
	if len(args) > 0 {
		name = args[0]
		if name == "" {
			return valueError(d, badValue(""))
		}
		for _, c := range s.children {
			if c.ctx == r.inner && c.name == name {
				return errAt(d.Pos, fmt.Sprintf("duplicate %s %q", d.Name, name))
			}
		}
	}
	if first {
		s.vals[r.storeKey()] = &entry{pos: d.Pos}
	}
	return l.block(newScope(r.inner, s, d.Pos, name), d.Block)
}

// valueError words a setter's complaint like nginx does.
func valueError(d *parser.Directive, err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	var ve *errValue
	if errors.As(err, &ve) {
		msg := fmt.Sprintf("invalid value %q in %q directive", ve.arg, d.Name)
		if ve.reason != "" {
			msg += ", " + ve.reason
		}
		return errAt(d.Pos, msg)
	}
	return errAt(d.Pos, fmt.Sprintf("%q directive: %v", d.Name, err))
}

// locationArgs strips nginx location modifiers: rtmprecd matches prefixes
// only, so `=` and `^~` degrade to a prefix and regex locations are skipped.
func (l *loader) locationArgs(d *parser.Directive) (args []string, skip bool, err error) {
	if d.Name != "location" || len(d.Args) < 2 {
		return d.Args, false, nil
	}
	switch d.Args[0] {
	case "=", "^~":
		l.warn(d.Pos, fmt.Sprintf("location modifier %q is ignored by rtmprecd, %q is matched as a prefix", d.Args[0], d.Args[1]))
		return d.Args[1:], false, nil
	case "~", "~*":
		l.warn(d.Pos, fmt.Sprintf("regular expression location %q is ignored by rtmprecd", d.Args[1]))
		return nil, true, nil
	}
	return nil, false, valueError(d, badValue(d.Args[0]))
}
