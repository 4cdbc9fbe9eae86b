package conf

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/strftime"
)

// errValue marks an argument that does not parse; the loader turns it into
// nginx's `invalid value "X" in "name" directive`.
type errValue struct {
	arg    string
	reason string // optional, appended after a comma
}

func (e *errValue) Error() string { return "invalid value " + strconv.Quote(e.arg) }

func badValue(arg string) error { return &errValue{arg: arg} }

func badValueWhy(arg, format string, a ...any) error {
	return &errValue{arg: arg, reason: fmt.Sprintf(format, a...)}
}

// parseSize reads a size as nginx's ngx_parse_size: digits with an optional
// k/K (KiB) or m/M (MiB) suffix. There is deliberately no g/G.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	digits := s
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult, digits = 1<<10, s[:n-1]
		case 'm', 'M':
			mult, digits = 1<<20, s[:n-1]
		}
	}
	v, ok := atoi(digits)
	if !ok || v > math.MaxInt64/mult {
		return 0, badValue(s)
	}
	return v * mult, nil
}

// atoi accepts only ASCII digits, as nginx's ngx_atoof does (no sign, no
// spaces, no underscores).
func atoi(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// timeUnits are nginx's ngx_parse_time units in the only order they may
// appear (largest first, each at most once).
var timeUnits = []struct {
	unit string
	d    time.Duration
}{
	{"y", 365 * 24 * time.Hour},
	{"M", 30 * 24 * time.Hour},
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
	{"ms", time.Millisecond},
}

// parseTime reads a duration as nginx's ngx_parse_time: a sequence of
// number+unit terms in decreasing unit order (`1m30s`), optionally ending
// with a bare number, which counts as seconds.
func parseTime(s string) (time.Duration, error) {
	rest := strings.ReplaceAll(s, " ", "")
	if rest == "" {
		return 0, badValue(s)
	}
	var total time.Duration
	next := 0 // index of the smallest unit still allowed
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		n, ok := atoi(rest[:i])
		if !ok {
			return 0, badValue(s)
		}
		rest = rest[i:]
		unit := time.Second // a trailing bare number is seconds
		if rest != "" {
			k := unitAt(rest, next)
			if k < 0 {
				return 0, badValue(s)
			}
			unit, next = timeUnits[k].d, k+1
			rest = rest[len(timeUnits[k].unit):]
		}
		if n > int64(math.MaxInt64/unit) || total > math.MaxInt64-time.Duration(n)*unit {
			return 0, badValue(s)
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}

// unitAt returns the index of the unit that rest starts with, searching only
// units not larger than one already used, or -1.
func unitAt(rest string, from int) int {
	// "ms" must win over "m" when both would match.
	if strings.HasPrefix(rest, "ms") && from <= 7 {
		return 7
	}
	for k := from; k < len(timeUnits); k++ {
		if strings.HasPrefix(rest, timeUnits[k].unit) {
			return k
		}
	}
	return -1
}

// formatTime writes d the way parseTime reads it back, largest units first.
func formatTime(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range timeUnits {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.unit)
			d -= n * u.d
		}
	}
	return b.String()
}

// formatSize writes n in the largest unit that divides it exactly.
func formatSize(n int64) string {
	switch {
	case n != 0 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "m"
	case n != 0 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "k"
	}
	return strconv.FormatInt(n, 10)
}

// parseFlag reads on|off, case-insensitively as nginx's flag slot.
func parseFlag(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, &errValue{arg: s, reason: `it must be "on" or "off"`}
}

func formatFlag(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// compileSuffix compiles a record_suffix containing '%' once, at load time,
// so that a bad pattern is a config error and not a failed recording.
func compileSuffix(s string) (*strftime.Strftime, error) {
	if !strings.Contains(s, "%") {
		return nil, nil
	}
	f, err := strftime.New(s, strftime.WithUnixSeconds('s'))
	if err != nil {
		return nil, badValueWhy(s, "%s", suffixProblem(s))
	}
	return f, nil
}

// suffixProblem names the part of a pattern strftime refused, in words a
// user can act on rather than the library's.
func suffixProblem(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		j := i + 1
		if j < len(s) && (s[j] == '-' || s[j] == '#') {
			j++
		}
		if j >= len(s) {
			return "stray % at the end of pattern"
		}
		if _, err := strftime.New(s[i:j+1], strftime.WithUnixSeconds('s')); err != nil {
			return "unknown strftime conversion " + strconv.Quote(s[i:j+1])
		}
		i = j
	}
	return "bad strftime pattern"
}

// parseAddrRule reads the address part of allow/deny: all, an IP address or
// a CIDR prefix. Host bits in a prefix are cleared, as nginx does.
func parseAddrRule(s string) (all bool, cidr string, err error) {
	if strings.EqualFold(s, "all") {
		return true, "", nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return false, "", badValue(s)
		}
		return false, p.Masked().String(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return false, "", badValue(s)
	}
	return false, netip.PrefixFrom(a, a.BitLen()).String(), nil
}
