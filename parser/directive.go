// Package parser reads the syntax of nginx-style configuration files:
// directives, blocks, quotes, comments and includes. It knows no directive
// names; meaning lives in package conf.
package parser

import "fmt"

// Pos is where a directive starts in a configuration file.
type Pos struct {
	File string // path as opened (include paths resolved)
	Line int    // 1-based
	Col  int    // 1-based, in bytes
}

// String formats the position as file:line:col.
func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// FileLine formats the position as file:line, the form nginx uses in errors.
func (p Pos) FileLine() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Directive is one `name arg ...;` statement or `name arg ... { ... }` block.
type Directive struct {
	Name string
	Args []string
	// ArgInfo[i] tells where Args[i] was written and how; nil for
	// directives not read from text (built in code, as the dump does).
	ArgInfo  []ArgInfo
	Pos      Pos
	HasBlock bool         // true for `name ... { }`, even when the block is empty
	Block    []*Directive // children of a block, in source order
}

// ArgInfo is the syntax of one argument: enough for the meaning layer to
// notice a directive that runs on into the next line (a missing `;`).
type ArgInfo struct {
	Pos    Pos
	Quoted bool
}

// Error is a syntax error at a position. Its text reads like nginx's:
// `unexpected "}" in FILE:LINE`.
type Error struct {
	Pos Pos
	Msg string
	Err error // the cause, when there is one (an included file that cannot be read)
}

func (e *Error) Error() string { return e.Msg + " in " + e.Pos.FileLine() }

// Unwrap returns the cause, so errors.Is(err, fs.ErrNotExist) sees through
// an include that names a missing file.
func (e *Error) Unwrap() error { return e.Err }
