package parser

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// Limits against hostile or broken files. Each one, when hit, is a syntax
// error rather than a slow or unbounded parse.
const (
	MaxTokenLen    = 64 << 10 // bytes in one word or quoted string, after unescaping
	MaxDepth       = 100      // nested blocks, counted across includes
	MaxArgs        = 1024     // arguments of one directive
	MaxFileSize    = 16 << 20 // bytes in one file
	MaxIncludeDeep = 64       // nested include levels
	MaxFiles       = 4096     // files read by one Parse, the main one included
	MaxTotalSize   = 64 << 20 // bytes read by one Parse over all files
)

// tokKind says what a token is; words carry a value.
type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokSemi   // ;
	tokLBrace // {
	tokRBrace // }
)

// token is one lexical unit. For words, val is the decoded text (escapes
// applied, quotes removed).
type token struct {
	kind   tokKind
	val    string
	pos    Pos
	quoted bool // a word written between quotes
}

// lexer splits nginx configuration text into tokens. It follows
// ngx_conf_read_token: whitespace is space, tab, CR and LF; `#` starts a
// comment only at the start of a token; quotes are special only at the start
// of a token; a backslash keeps the next byte from ending a word. Unlike
// nginx, `}` also ends an unquoted word (except inside `${...}`), so that
// `a}` reads as `a` then `}`.
type lexer struct {
	src  []byte
	file string
	off  int
	line int
	col  int
}

func newLexer(file string, src []byte) *lexer {
	return &lexer{src: src, file: file, line: 1, col: 1}
}

// punct maps a separator byte to its token kind.
func punct(c byte) tokKind {
	switch c {
	case ';':
		return tokSemi
	case '{':
		return tokLBrace
	}
	return tokRBrace
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (l *lexer) pos() Pos { return Pos{File: l.file, Line: l.line, Col: l.col} }

// advance moves past one byte, keeping line and column current.
func (l *lexer) advance() {
	if l.src[l.off] == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	l.off++
}

func (l *lexer) errorf(p Pos, format string, a ...any) error {
	return &Error{Pos: p, Msg: fmt.Sprintf(format, a...)}
}

// next returns the next token, or an *Error.
func (l *lexer) next() (token, error) {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case isSpace(c):
			l.advance()
		case c == '#':
			// A comment never holds a newline, so skip it without advance.
			n := bytes.IndexByte(l.src[l.off:], '\n')
			if n < 0 {
				n = len(l.src) - l.off
			}
			l.off += n
			l.col += n
		case c == ';' || c == '{' || c == '}':
			p := l.pos()
			l.advance()
			return token{kind: punct(c), pos: p}, nil
		case c == '"' || c == '\'':
			return l.quoted(c)
		default:
			return l.word()
		}
	}
	return token{kind: tokEOF, pos: l.pos()}, nil
}

// quoted reads a string between quotes q, then checks that what follows
// can end a token, as nginx does (`"a"b` is an error).
func (l *lexer) quoted(q byte) (token, error) {
	p := l.pos()
	l.advance()
	start := l.off
	for {
		if l.off >= len(l.src) {
			return token{}, l.errorf(p, "unbalanced quotes")
		}
		c := l.src[l.off]
		if c == q {
			break
		}
		l.advance()
		if c == '\\' && l.off < len(l.src) {
			l.advance()
		}
	}
	val := unescape(l.src[start:l.off])
	if len(val) > MaxTokenLen {
		return token{}, l.errorf(p, "parameter too long (more than %d bytes)", MaxTokenLen)
	}
	l.advance()
	if l.off < len(l.src) {
		// `)` is allowed for nginx's `if ($a = "b")`; it starts the next word.
		if c := l.src[l.off]; !isSpace(c) && c != ';' && c != '{' && c != '}' && c != ')' {
			_, n := utf8.DecodeRune(l.src[l.off:])
			return token{}, l.errorf(l.pos(), "unexpected %q", l.src[l.off:l.off+n])
		}
	}
	return token{kind: tokWord, val: val, pos: p, quoted: true}, nil
}

// word reads an unquoted word. `{` right after `$` and the matching `}` are
// part of the word so that `${var}` stays one token.
func (l *lexer) word() (token, error) {
	p := l.pos()
	start := l.off
	inVar, dollar := false, false
	for l.off < len(l.src) {
		c := l.src[l.off]
		if c == '\\' {
			l.advance()
			if l.off < len(l.src) {
				l.advance()
			}
			dollar = false
			continue
		}
		wasDollar := dollar
		dollar = c == '$'
		switch {
		case c == '{' && wasDollar:
			inVar = true
		case c == '}' && inVar:
			inVar = false
		case isSpace(c) || c == ';' || c == '{' || c == '}':
			return l.wordToken(p, start)
		}
		l.advance()
	}
	return l.wordToken(p, start)
}

func (l *lexer) wordToken(p Pos, start int) (token, error) {
	val := unescape(l.src[start:l.off])
	if len(val) > MaxTokenLen {
		return token{}, l.errorf(p, "parameter too long (more than %d bytes)", MaxTokenLen)
	}
	return token{kind: tokWord, val: val, pos: p}, nil
}

// unescape applies nginx's escapes: \" \' \\ give the character, \t \r \n
// give the control character, and any other \x is kept as both bytes (so
// regular expressions such as `\.flv$` survive).
func unescape(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			switch b[i+1] {
			case '"', '\'', '\\':
				out = append(out, b[i+1])
				i++
				continue
			case 't':
				out = append(out, '\t')
				i++
				continue
			case 'r':
				out = append(out, '\r')
				i++
				continue
			case 'n':
				out = append(out, '\n')
				i++
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}
