package conf

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rtmprecd/rtmprecd/parser"
)

// AccessLog is one access_log in effect for an application, or for a
// server (connections that never name an application): one line per
// connection, when it closes, in Format.
type AccessLog struct {
	Path   string
	Format *LogFormat
	Pos    parser.Pos // the access_log line
}

// LogFormat is a compiled log_format: literal text and variables in
// order.
type LogFormat struct {
	Name  string
	Text  string // as written, the arguments joined
	Parts []LogPart
	args  []string // as written: a variable never spans two of them
}

// LogPart is literal text or, when Var is set, a variable.
type LogPart struct {
	Literal string
	Var     string // one of LogVariables, without '$'
}

// LogVariables are the variables of nginx-rtmp's log module.
var LogVariables = []string{
	"connection", "remote_addr", "app", "flashver", "swfurl", "tcurl", "pageurl", "command",
	"name", "args", "bytes_sent", "bytes_received", "time_local", "session_time",
	"session_readable_time",
}

// CombinedFormat is the text of the predefined format "combined", which
// access_log uses when it names none: nginx-rtmp's.
const CombinedFormat = `$remote_addr [$time_local] $command "$app" "$name" "$args" - ` +
	`$bytes_received $bytes_sent "$pageurl" "$flashver" ($session_readable_time)`

// combined is CombinedFormat compiled.
var combined = func() *LogFormat {
	f, err := compileFormat("combined", []string{CombinedFormat})
	if err != nil {
		panic("conf: combined log format: " + err.Error())
	}
	return f
}()

// Stored values of access_log and log_format.
type (
	accessLogVal struct {
		off          bool
		path, format string
		pos          parser.Pos
	}
	logFormatVal struct {
		f   *LogFormat
		pos parser.Pos
	}
)

// setAccessLog reads access_log off|FILE [FORMAT]; the format name is
// resolved once every log_format is known.
func setAccessLog(l *loader, d *parser.Directive) (any, error) {
	v := accessLogVal{path: d.Args[0], format: "combined", pos: d.Pos}
	switch {
	case d.Args[0] == "off":
		return []accessLogVal{{off: true, pos: d.Pos}}, nil
	case d.Args[0] == "":
		return nil, badValue("")
	case len(d.Args) == 2:
		v.format = d.Args[1]
	}
	l.warnNginxFile("access_log", v.path, &d.Pos)
	return []accessLogVal{v}, nil
}

// setLogFormat reads log_format NAME TEXT...; names are unique, combined
// included.
func setLogFormat(l *loader, d *parser.Directive) (any, error) {
	name := d.Args[0]
	if l != nil {
		if name == "combined" || l.formats[name] {
			return nil, errAt(d.Pos, fmt.Sprintf("duplicate \"log_format\" name %q", name))
		}
		if l.formats == nil {
			l.formats = map[string]bool{}
		}
		l.formats[name] = true
	}
	f, err := compileFormat(name, d.Args[1:])
	if err != nil {
		return nil, errAt(d.Pos, err.Error())
	}
	return []logFormatVal{{f: f, pos: d.Pos}}, nil
}

// compileFormat splits each argument into literals and $name or ${name}
// variables, as nginx-rtmp does (a variable never spans two arguments).
func compileFormat(name string, args []string) (*LogFormat, error) {
	f := &LogFormat{Name: name, Text: strings.Join(args, ""), args: args}
	for _, a := range args {
		for a != "" {
			i := strings.IndexByte(a, '$')
			if i != 0 {
				if i < 0 {
					i = len(a)
				}
				f.Parts = append(f.Parts, LogPart{Literal: a[:i]})
				a = a[i:]
				continue
			}
			v, rest, err := logVariable(a)
			if err != nil {
				return nil, err
			}
			f.Parts = append(f.Parts, LogPart{Var: v})
			a = rest
		}
	}
	return f, nil
}

// logVariable reads the variable at the start of s ("$name" or
// "${name}") and returns its name and what follows.
func logVariable(s string) (name, rest string, err error) {
	body, braced := s[1:], false
	if strings.HasPrefix(body, "{") {
		body, braced = body[1:], true
	}
	n := 0
	for n < len(body) && isVarByte(body[n]) {
		n++
	}
	name, rest = body[:n], body[n:]
	if braced {
		if !strings.HasPrefix(rest, "}") {
			return "", "", fmt.Errorf("missing closing bracket in %q", s)
		}
		rest = rest[1:]
	}
	if name == "" {
		return "", "", fmt.Errorf("invalid parameter %q", s)
	}
	if !slices.Contains(LogVariables, name) {
		return "", "", fmt.Errorf("unknown variable %q", name)
	}
	return name, rest, nil
}

func isVarByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// logFormats returns the rtmp block's formats by name, combined included,
// and the user's in source order for the dump.
func logFormats(rt *scope) (map[string]*LogFormat, []*LogFormat) {
	byName := map[string]*LogFormat{"combined": combined}
	var own []*LogFormat
	if rt != nil {
		vals, _ := rt.own("log_format").([]logFormatVal)
		for _, v := range vals {
			byName[v.f.Name] = v.f
			own = append(own, v.f)
		}
	}
	return byName, own
}

// accessLogs resolves the access logs in effect at s: the innermost level
// that has any access_log line decides, and `off` there means none.
func accessLogs(s *scope, formats map[string]*LogFormat) ([]AccessLog, error) {
	vals, _ := s.get("access_log").([]accessLogVal)
	var out []AccessLog
	for _, v := range vals {
		if v.off {
			return nil, nil
		}
		f := formats[v.format]
		if f == nil {
			return nil, errAt(v.pos, "unknown log format "+strconv.Quote(v.format))
		}
		out = append(out, AccessLog{Path: v.path, Format: f, Pos: v.pos})
	}
	return out, nil
}
