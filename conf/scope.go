package conf

import (
	"time"

	"github.com/rtmprecd/rtmprecd/parser"
)

// scope is one block of the configuration while loading: the values set in
// it and a link to the enclosing block, so that a lookup walks outwards
// exactly as nginx's merge copies unset values inwards.
type scope struct {
	ctx      ctx
	parent   *scope
	pos      parser.Pos
	name     string // application, recorder or location argument
	vals     map[string]*entry
	children []*scope // server, application, recorder and location blocks in order
}

// entry is one stored value and where it was (first) set.
type entry struct {
	val any
	pos parser.Pos
}

func newScope(c ctx, parent *scope, pos parser.Pos, name string) *scope {
	s := &scope{ctx: c, parent: parent, pos: pos, name: name, vals: make(map[string]*entry)}
	if parent != nil {
		parent.children = append(parent.children, s)
	}
	return s
}

// defaults holds each row's default, parsed by the row's own setter so a
// default can never disagree with what the directive would accept. It is
// filled by init rather than a variable initializer: rows refer to their
// dump functions, which read defaults.
var defaults = map[string]any{}

func init() {
	for _, r := range table {
		if r.def == "" || r.set == nil {
			continue
		}
		d := &parser.Directive{Name: r.name, Args: splitWords(r.def)}
		v, err := r.set(nil, d)
		if err != nil {
			panic("conf: bad default for " + r.name + ": " + err.Error())
		}
		defaults[r.storeKey()] = v
	}
}

func splitWords(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	return out
}

// lookup returns the innermost entry for key, or nil.
func (s *scope) lookup(key string) *entry {
	for c := s; c != nil; c = c.parent {
		if e := c.vals[key]; e != nil {
			return e
		}
	}
	return nil
}

// get returns the merged value for key, or its default (nil if none).
func (s *scope) get(key string) any {
	if e := s.lookup(key); e != nil {
		return e.val
	}
	return defaults[key]
}

func (s *scope) flag(key string) bool { v, _ := s.get(key).(bool); return v }
func (s *scope) str(key string) string {
	v, _ := s.get(key).(string)
	return v
}
func (s *scope) int64(key string) int64 { v, _ := s.get(key).(int64); return v }

// additive returns every level's commands, outermost level first, as
// nginx-rtmp's exec module runs them.
func (s *scope) additive(key string) []Command {
	var out []Command
	if s.parent != nil {
		out = s.parent.additive(key)
	}
	if e := s.vals[key]; e != nil {
		out = append(out, e.val.([]Command)...)
	}
	return out
}

// access returns this level's rules followed by the parent's, as
// nginx-rtmp's access module merges them.
func (s *scope) access() []AccessRule {
	var out []AccessRule
	if e := s.vals["access"]; e != nil {
		out = append(out, e.val.([]AccessRule)...)
	}
	if s.parent != nil {
		out = append(out, s.parent.access()...)
	}
	return out
}

// own returns the value set in this very block, or nil.
func (s *scope) own(key string) any {
	if e := s.vals[key]; e != nil {
		return e.val
	}
	return nil
}

func (s *scope) dur(key string) time.Duration { v, _ := s.get(key).(time.Duration); return v }
