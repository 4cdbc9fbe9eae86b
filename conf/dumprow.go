package conf

import (
	"strconv"
	"time"
)

// dumpFunc gives the canonical dump lines of row r in block s, each as its
// words (the directive name, then the arguments); none when the setting is
// unset and has no default. Rows that share a storage key (allow, deny)
// are dumped by the first of them, whose lines name either directive. It reads the merged value, so a setting inherited from an
// outer block is written where it is read.
type dumpFunc func(r *row, s *scope) [][]string

// scalar dumps a single-valued setting as one line: its merged value (or
// default) formatted; nothing when unset without a default or when format
// gives no arguments.
func scalar[T any](format func(T) []string) dumpFunc {
	return func(r *row, s *scope) [][]string {
		v, ok := s.get(r.storeKey()).(T)
		if !ok {
			return nil
		}
		if args := format(v); len(args) > 0 {
			return [][]string{append([]string{r.name}, args...)}
		}
		return nil
	}
}

// arg makes a one-argument formatter.
func arg[T any](format func(T) string) func(T) []string {
	return func(v T) []string { return []string{format(v)} }
}

var (
	dumpFlag   = scalar(arg(formatFlag))
	dumpTime   = scalar(arg(formatTime))
	dumpSize   = scalar(arg(formatSize))
	dumpInt    = scalar(arg(formatInt))
	dumpString = scalar(arg(func(s string) string { return s }))
	dumpWords  = scalar(func(words []string) []string { return words })
	dumpRecord = scalar(formatRecord)
	dumpSuffix = scalar(arg(func(v suffixVal) string { return v.text }))

	dumpErrorLog = scalar(func(v errorLogVal) []string { return []string{v.file, v.level} })

	// max_connections auto is stored as 0.
	dumpMaxConnections = scalar(arg(func(n int64) string {
		if n > 0 {
			return formatInt(n)
		}
		return "auto"
	}))

	// drop_idle_publisher off is stored as 0.
	dumpIdle = scalar(arg(func(d time.Duration) string {
		if d > 0 {
			return formatTime(d)
		}
		return "off"
	}))
)

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// dumpListen writes the block's own listen lines: a listen directive binds
// one block's socket and is never inherited.
func dumpListen(r *row, s *scope) [][]string {
	var out [][]string
	for _, li := range listens(s) {
		out = append(out, []string{r.name, formatListen(li.Addr)})
	}
	return out
}

// dumpAccess writes the merged allow and deny rules in the order they are
// checked (the block's own, then its parent's), so the dump needs no
// rules in outer blocks.
func dumpAccess(r *row, s *scope) [][]string {
	var out [][]string
	for _, rule := range s.access() {
		verb, addr := "deny", rule.CIDR
		if rule.Allow {
			verb = "allow"
		}
		if rule.All {
			addr = "all"
		}
		if rule.Play {
			out = append(out, []string{verb, addr})
		} else {
			out = append(out, []string{verb, "publish", addr})
		}
	}
	return out
}

// dumpCommands writes an additive list (exec_*): where the enclosing block
// is dumped with the same row, only the commands this block adds, since
// loading the dump adds the enclosing block's again; elsewhere every
// command the block inherits.
func dumpCommands(r *row, s *scope) [][]string {
	key := r.storeKey()
	cmds := s.additive(key)
	if s.parent != nil && s.parent.ctx&r.dumpAt != 0 {
		cmds = cmds[len(s.parent.additive(key)):]
	}
	var out [][]string
	for _, c := range cmds {
		out = append(out, append([]string{r.name}, c.Args...))
	}
	return out
}

// formatRecord writes record's flags as words, audio and video as all.
func formatRecord(f RecordFlags) []string {
	var out []string
	if f.Has(RecordAudio | RecordVideo) {
		out = append(out, "all")
		f &^= RecordAudio | RecordVideo
	}
	for _, w := range recordWords {
		if w.word != "all" && f.Has(w.f) {
			out = append(out, w.word)
		}
	}
	return out
}

// dumpAccessLogs writes the access logs in effect at the block, each with
// its format's name, or `access_log off` so that a block without logs does
// not inherit its parent's when the dump is loaded.
func dumpAccessLogs(r *row, s *scope) [][]string {
	formats, _ := logFormats(rtmpBlock(s))
	logs, _ := accessLogs(s, formats)
	if len(logs) == 0 {
		return [][]string{{r.name, "off"}}
	}
	var out [][]string
	for _, a := range logs {
		out = append(out, []string{r.name, a.Path, a.Format.Name})
	}
	return out
}

// dumpLogFormats writes the rtmp block's own log formats, with their
// arguments as written (a variable never spans two of them).
func dumpLogFormats(r *row, s *scope) [][]string {
	_, own := logFormats(s)
	var out [][]string
	for _, f := range own {
		out = append(out, append([]string{r.name, f.Name}, f.args...))
	}
	return out
}

// dumpRoot writes root where no alias replaces it: in one location, alias
// and root exclude each other, and an alias replaces an inherited root.
func dumpRoot(r *row, s *scope) [][]string {
	if s.ctx == ctxLoc && s.str("alias") != "" {
		return nil
	}
	return dumpString(r, s)
}

// rtmpBlock returns the rtmp block that s is in, or nil.
func rtmpBlock(s *scope) *scope {
	for ; s != nil; s = s.parent {
		if s.ctx == ctxRTMP {
			return s
		}
	}
	return nil
}
