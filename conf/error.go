package conf

import "github.com/rtmprecd/rtmprecd/parser"

// Error is a configuration error at a position. Its text reads like nginx's:
// `"record_path" directive is duplicate in FILE:LINE`. Syntax errors from the
// parser are returned unchanged as *parser.Error instead.
type Error struct {
	Pos parser.Pos
	Msg string
}

// Error formats the error as nginx does: `MSG in FILE:LINE`.
func (e *Error) Error() string { return e.Msg + " in " + e.Pos.FileLine() }

func errAt(pos parser.Pos, msg string) *Error { return &Error{Pos: pos, Msg: msg} }
