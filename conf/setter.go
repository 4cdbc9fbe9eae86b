package conf

import (
	neturl "net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/lestrrat-go/strftime"

	"github.com/rtmprecd/rtmprecd/parser"
)

// Typed values stored for rows whose Go type is not obvious.
type (
	errorLogVal struct{ file, level string }
	suffixVal   struct {
		text string
		f    *strftime.Strftime
	}
)

var logLevels = []string{"debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"}

func setFlag(_ *loader, d *parser.Directive) (any, error) { return parseFlag(d.Args[0]) }
func setTime(_ *loader, d *parser.Directive) (any, error) { return parseTime(d.Args[0]) }
func setSize(_ *loader, d *parser.Directive) (any, error) { return parseSize(d.Args[0]) }

func setString(_ *loader, d *parser.Directive) (any, error) {
	if d.Args[0] == "" {
		return nil, badValue("")
	}
	return d.Args[0], nil
}

func setInt(lo, hi int64) func(*loader, *parser.Directive) (any, error) {
	return func(_ *loader, d *parser.Directive) (any, error) {
		v, ok := atoi(d.Args[0])
		if !ok {
			return nil, badValue(d.Args[0])
		}
		if v < lo || v > hi {
			return nil, badValueWhy(d.Args[0], "it must be between %d and %d", lo, hi)
		}
		return v, nil
	}
}

func setErrorLog(_ *loader, d *parser.Directive) (any, error) {
	v := errorLogVal{file: d.Args[0], level: "info"}
	if v.file == "" {
		return nil, badValue("")
	}
	if len(d.Args) == 2 {
		v.level = strings.ToLower(d.Args[1])
		if !contains(logLevels, v.level) {
			return nil, badValue(d.Args[1])
		}
	}
	return v, nil
}

// setIdle reads drop_idle_publisher: a time, or off (= 0).
func setIdle(_ *loader, d *parser.Directive) (any, error) {
	if strings.EqualFold(d.Args[0], "off") {
		return parseTime("0")
	}
	return parseTime(d.Args[0])
}

// setMaxConnections reads `max_connections NUMBER|auto`; auto is stored
// as 0 (the RTMP server derives the bound from RLIMIT_NOFILE).
func setMaxConnections(l *loader, d *parser.Directive) (any, error) {
	if strings.EqualFold(d.Args[0], "auto") {
		return int64(0), nil
	}
	return setInt(1, maxConnections)(l, d)
}

// maxConnections is the largest max_connections accepted.
const maxConnections = 1 << 24

func setMethod(_ *loader, d *parser.Directive) (any, error) {
	m := strings.ToLower(d.Args[0])
	if m != "get" && m != "post" {
		return nil, badValueWhy(d.Args[0], `it must be "get" or "post"`)
	}
	return m, nil
}

// RecordFormats are the record_format values: the containers package
// record can write (its format table has the same names).
var RecordFormats = []string{"flv", "mp4", "fmp4", "hls"}

// formatSuffix is each format's default record_suffix.
var formatSuffix = map[string]string{"flv": ".flv", "mp4": ".mp4", "fmp4": ".mp4", "hls": ""}

// FormatSuffix is the default record_suffix of a record format.
func FormatSuffix(format string) string { return formatSuffix[format] }

// FormatAppends reports whether record_append can continue files of a
// record format (FLV; fMP4 when the codec parameters match; HLS, which
// continues its playlist after a discontinuity).
func FormatAppends(format string) bool { return format == "flv" || format == "fmp4" || format == "hls" }

// HLSSegmentTypes are the record_hls_segment_type values.
var HLSSegmentTypes = []string{"fmp4", "mpegts"}

func setHLSSegmentType(_ *loader, d *parser.Directive) (any, error) {
	t := strings.ToLower(d.Args[0])
	if !slices.Contains(HLSSegmentTypes, t) {
		return nil, badValueWhy(d.Args[0], "the HLS segment types are: %s", strings.Join(HLSSegmentTypes, ", "))
	}
	return t, nil
}

func setRecordFormat(_ *loader, d *parser.Directive) (any, error) {
	f := strings.ToLower(d.Args[0])
	if !slices.Contains(RecordFormats, f) {
		return nil, badValueWhy(d.Args[0], "the record formats are: %s", strings.Join(RecordFormats, ", "))
	}
	return f, nil
}

// setURL accepts nginx-rtmp's callback syntax: http://host[:port]/uri or the
// same without a scheme. https is not something nginx-rtmp speaks either.
func setURL(_ *loader, d *parser.Directive) (any, error) {
	s := d.Args[0]
	full := s
	if !strings.Contains(s, "://") {
		full = "http://" + s
	}
	u, err := neturl.Parse(full)
	if err != nil || u.Host == "" || u.User != nil {
		return nil, badValue(s)
	}
	if u.Scheme != "http" {
		return nil, badValueWhy(s, "only http:// callbacks are supported")
	}
	return full, nil
}

func setExec(_ *loader, d *parser.Directive) (any, error) {
	if d.Args[0] == "" {
		return nil, badValue("")
	}
	return []Command{{Args: append([]string(nil), d.Args...), Pos: d.Pos}}, nil
}

func setWords(allowed []string) func(*loader, *parser.Directive) (any, error) {
	return func(_ *loader, d *parser.Directive) (any, error) {
		var out []string
		for _, a := range d.Args {
			w := strings.ToLower(a)
			if !contains(allowed, w) {
				return nil, badValue(a)
			}
			out = unionWords(out, []string{w}).([]string)
		}
		return out, nil
	}
}

var recordWords = []struct {
	word string
	f    RecordFlags
}{
	{"off", RecordOff}, {"all", RecordAudio | RecordVideo}, {"audio", RecordAudio},
	{"video", RecordVideo}, {"keyframes", RecordKeyframes}, {"manual", RecordManual},
	{"event", RecordEvent},
}

func setRecord(_ *loader, d *parser.Directive) (any, error) {
	var f RecordFlags
	for _, a := range d.Args {
		ok := false
		for _, w := range recordWords {
			if strings.EqualFold(a, w.word) {
				f, ok = f|w.f, true
			}
		}
		if !ok {
			return nil, badValue(a)
		}
	}
	return f, nil
}

func setSuffix(_ *loader, d *parser.Directive) (any, error) {
	f, err := compileSuffix(d.Args[0])
	if err != nil {
		return nil, err
	}
	return suffixVal{text: d.Args[0], f: f}, nil
}

// setListen resolves the address and warns once per ignored nginx parameter.
func setListen(l *loader, d *parser.Directive) (any, error) {
	addr, err := parseListen(d.Args[0])
	if err != nil {
		return nil, err
	}
	for _, p := range d.Args[1:] {
		if !isListenParam(p) {
			return nil, errAt(d.Pos, `invalid parameter "`+p+`" in "listen" directive`)
		}
		l.warn(d.Pos, `"`+p+`" parameter of "listen" is ignored by rtmprecd`)
	}
	return []Listen{{Addr: addr, Pos: d.Pos}}, nil
}

// setAccess reads allow|deny [publish|play] ADDR. Play rules are accepted
// and ignored, since rtmprecd serves no players.
func setAccess(l *loader, d *parser.Directive) (any, error) {
	r := AccessRule{Allow: d.Name == "allow", Publish: true, Play: true}
	addr := d.Args[0]
	if len(d.Args) == 2 {
		switch strings.ToLower(d.Args[0]) {
		case "publish":
			r.Play = false
		case "play":
			if _, _, err := parseAddrRule(d.Args[1]); err != nil {
				return nil, err
			}
			l.warn(d.Pos, `"`+d.Name+` play" directive is ignored by rtmprecd: rtmprecd serves no players`)
			return nil, nil
		default:
			return nil, badValue(d.Args[0])
		}
		addr = d.Args[1]
	}
	all, cidr, err := parseAddrRule(addr)
	if err != nil {
		return nil, err
	}
	r.All, r.CIDR = all, cidr
	return []AccessRule{r}, nil
}

// keepBlocks lets a block directive repeat (server, application, ...);
// name clashes are checked by the loader.
func keepBlocks(prev, _ any) any { return prev }

func appendList(prev, v any) any {
	return reflect.AppendSlice(reflect.ValueOf(prev), reflect.ValueOf(v)).Interface()
}

func orFlags(prev, v any) any { return prev.(RecordFlags) | v.(RecordFlags) }

func unionWords(prev, v any) any {
	out, _ := prev.([]string)
	for _, w := range v.([]string) {
		if !contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func joinBar(list []string) string { return strings.Join(list, "|") }
