package index

import (
	"regexp"
	"strings"
	"time"
)

// goLayout maps the strftime verbs that a stamp can be read back from to
// Go layout elements.
var goLayout = map[byte]string{'Y': "2006", 'm': "01", 'd': "02", 'H': "15", 'M': "04", 'S': "05", 'y': "06", 'b': "Jan", 'e': "_2"}

// timedSuffix reads names made with a strftime record_suffix: the part
// before the expanded suffix is the stem, and the suffix gives the open
// time when its verbs are all ones Go can parse.
type timedSuffix struct {
	re     *regexp.Regexp
	layout string // "" when some verb cannot be parsed back
}

func newTimedSuffix(pattern string) timedSuffix {
	var re, layout strings.Builder
	re.WriteString(`^(.+?)`)
	parsable := true
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c != '%' || i+1 == len(pattern) {
			re.WriteString(regexp.QuoteMeta(string(c)))
			layout.WriteByte(c)
			continue
		}
		i++
		v := pattern[i]
		switch l, ok := goLayout[v]; {
		case v == '%':
			re.WriteString("%")
			layout.WriteByte('%')
		case ok:
			re.WriteString(`(?:[0-9A-Za-z ]+)`)
			layout.WriteString(l)
		default:
			re.WriteString(`(?:[^/]*?)`)
			parsable = false
		}
	}
	re.WriteString(`$`)
	t := timedSuffix{re: regexp.MustCompile(re.String())}
	if parsable {
		t.layout = layout.String()
	}
	return t
}

// split returns the stem of base and, when the suffix can be read back,
// the local time it encodes.
func (t timedSuffix) split(base string) (stem string, at time.Time, ok bool) {
	m := t.re.FindStringSubmatch(base)
	if m == nil {
		return "", time.Time{}, false
	}
	stem = m[1]
	if t.layout != "" {
		at, _ = time.ParseInLocation(t.layout, base[len(stem):], time.Local)
	}
	return stem, at, true
}
