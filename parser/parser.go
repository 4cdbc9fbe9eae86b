package parser

import "fmt"

// Parse reads the configuration text src, named name (the main file's path),
// and returns its top-level directives. `include PATTERN;` directives are
// replaced in place by the directives of the files they name; relative
// patterns resolve against filepath.Dir(name), as nginx resolves them against
// its configuration prefix.
//
// Syntax errors, and included files that cannot be read, are *Error values
// naming FILE:LINE. A src larger than MaxFileSize is a plain error.
func Parse(name string, src []byte) ([]*Directive, error) {
	return newState(name).parseMain(name, src)
}

// ParseFile reads the file at path and parses it as Parse does. A main file
// that cannot be read gives a plain error that wraps the OS error, so
// errors.Is(err, fs.ErrNotExist) works.
func ParseFile(path string) ([]*Directive, error) {
	src, err := readSource(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	return Parse(path, src)
}

// Sources are what a parse read, for watching a configuration for changes.
type Sources struct {
	// Files are the files read or tried: the main file first, then every
	// included file in the order met, as opened.
	Files []string
	// Globs are the include patterns with wildcards, resolved against the
	// main file's directory: a file that starts to match one changes the
	// configuration too.
	Globs []string
}

// ParseFileSources is ParseFile that also returns the files it read or
// tried to read and the include patterns it expanded. They come with errors
// too, so that a watcher of the configuration also sees the file that needs
// fixing (or creating).
func ParseFileSources(path string) ([]*Directive, Sources, error) {
	src, err := readSource(path)
	if err != nil {
		return nil, Sources{Files: []string{path}}, fileError(path, err)
	}
	st := newState(path)
	st.src.Files = []string{path}
	dirs, err := st.parseMain(path, src)
	return dirs, st.src, err
}

// parser reads the directives of one file. State shared by the main file and
// its includes (the include stack, limits) lives in st.
type parser struct {
	lex   *lexer
	st    *state
	depth int // blocks open around the current point, counted across includes
}

func errAt(p Pos, format string, a ...any) *Error {
	return &Error{Pos: p, Msg: fmt.Sprintf(format, a...)}
}

// block reads directives up to the closing `}` (inBlock) or end of file.
func (p *parser) block(inBlock bool) ([]*Directive, error) {
	var ds []*Directive
	for {
		t, err := p.lex.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokEOF:
			if inBlock {
				return nil, errAt(t.pos, `unexpected end of file, expecting "}"`)
			}
			return ds, nil
		case tokRBrace:
			if inBlock {
				return ds, nil
			}
			return nil, errAt(t.pos, `unexpected "}"`)
		case tokSemi:
			return nil, errAt(t.pos, `unexpected ";"`)
		case tokLBrace:
			return nil, errAt(t.pos, `unexpected "{"`)
		}
		d, err := p.directive(t)
		if err != nil {
			return nil, err
		}
		if p.isInclude(d) {
			inc, err := p.st.include(d, p.depth)
			if err != nil {
				return nil, err
			}
			ds = append(ds, inc...)
			continue
		}
		ds = append(ds, d)
	}
}

func (p *parser) isInclude(d *Directive) bool { return d.Name == "include" && !p.st.noInclude }

// directive reads the arguments after name up to `;` or through its block.
func (p *parser) directive(name token) (*Directive, error) {
	d := &Directive{Name: name.val, Pos: name.pos}
	for {
		t, err := p.lex.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokWord:
			if len(d.Args) == MaxArgs {
				return nil, errAt(t.pos, "too many arguments in %q directive (more than %d)", d.Name, MaxArgs)
			}
			d.Args = append(d.Args, t.val)
			d.ArgInfo = append(d.ArgInfo, ArgInfo{Pos: t.pos, Quoted: t.quoted})
		case tokSemi:
			return d, nil
		case tokRBrace:
			return nil, errAt(t.pos, `unexpected "}"`)
		case tokEOF:
			return nil, errAt(t.pos, `unexpected end of file, expecting ";" or "}"`)
		case tokLBrace:
			if p.isInclude(d) {
				return nil, errAt(t.pos, `directive "include" is not terminated by ";"`)
			}
			if p.depth >= MaxDepth {
				return nil, errAt(t.pos, "blocks nested too deeply (more than %d)", MaxDepth)
			}
			p.depth++
			d.Block, err = p.block(true)
			p.depth--
			d.HasBlock = true
			return d, err
		}
	}
}
