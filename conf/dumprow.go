package conf

import (
	"strconv"
	"time"
)

// dumpFunc writes row r's lines for block s into the canonical dump with
// w.line: none when the setting is unset and has no default. It reads the
// merged value, so a setting inherited from an outer block is written
// where it is read. Rows that share a storage key (allow, deny) are dumped
// by the first of them, whose lines name either directive.
type dumpFunc func(r *row, s *scope, w *dumper)

// scalar dumps a single-valued setting as one line, its merged value (or
// default) formatted; nothing when it is unset without a default.
func scalar[T any](format func(T) string) dumpFunc {
	return func(r *row, s *scope, w *dumper) {
		if v, ok := s.get(r.storeKey()).(T); ok {
			w.line(r.name, format(v))
		}
	}
}

// list dumps a setting whose value is several arguments of one line;
// nothing when there are none.
func list[T any](format func(T) []string) dumpFunc {
	return func(r *row, s *scope, w *dumper) {
		if v, ok := s.get(r.storeKey()).(T); ok {
			if args := format(v); len(args) > 0 {
				w.line(r.name, args...)
			}
		}
	}
}

var (
	dumpFlag     = scalar(formatFlag)
	dumpTime     = scalar(formatTime)
	dumpSize     = scalar(formatSize)
	dumpInt      = scalar(formatInt)
	dumpString   = scalar(func(s string) string { return s })
	dumpKept     = unlessInherited(func(s string) string { return s })
	dumpTimeKept = unlessInherited(formatTime)
	dumpFlagKept = unlessInherited(formatFlag)
	dumpWords    = list(func(words []string) []string { return words })
	dumpRecord   = list(formatRecord)

	dumpErrorLog = list(func(v errorLogVal) []string { return []string{v.file, v.level} })

	// max_connections auto is stored as 0.
	dumpMaxConnections = scalar(func(n int64) string {
		if n > 0 {
			return formatInt(n)
		}
		return "auto"
	})

	// drop_idle_publisher off is stored as 0.
	dumpIdle = scalar(func(d time.Duration) string {
		if d > 0 {
			return formatTime(d)
		}
		return "off"
	})
)

// unlessInherited dumps a single-valued setting only where loading the
// dump would not give it anyway: where it differs from what the block
// inherits there (the value of the enclosing block the row is dumped in,
// else the default). Rows added with it leave the dump, and so the hash,
// of every configuration that does not use them as they were.
func unlessInherited[T comparable](format func(T) string) dumpFunc {
	return func(r *row, s *scope, w *dumper) {
		v, ok := s.get(r.storeKey()).(T)
		if !ok {
			return
		}
		inherited := defaults[r.storeKey()]
		if s.parent != nil && s.parent.ctx&r.dumpAt != 0 {
			inherited = s.parent.get(r.storeKey())
		}
		if iv, ok := inherited.(T); ok && iv == v {
			return
		}
		w.line(r.name, format(v))
	}
}

// dumpForAPI dumps a setting only read by record_api locations (the export
// limits) in those locations: elsewhere it changes nothing.
func dumpForAPI[T any](format func(T) string) dumpFunc {
	return func(r *row, s *scope, w *dumper) {
		if v, ok := s.get(r.storeKey()).(T); ok && s.flag("record_api") {
			w.line(r.name, format(v))
		}
	}
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// dumpSuffix writes the suffix in effect, also when it is the default of
// the recorder's format: a dump that left it out would depend on that
// rule, and one that wrote the flv default under an mp4 format would load
// to another suffix.
func dumpSuffix(r *row, s *scope, w *dumper) { w.line(r.name, recordSuffix(s).text) }

// dumpListen writes the block's own listen lines: a listen directive binds
// one block's socket and is never inherited.
func dumpListen(r *row, s *scope, w *dumper) {
	for _, li := range listens(s) {
		w.line(r.name, formatListen(li.Addr))
	}
}

// dumpAccess writes the merged allow and deny rules in the order they are
// checked (the block's own, then its parent's), so the dump needs no
// rules in outer blocks.
func dumpAccess(_ *row, s *scope, w *dumper) {
	for _, rule := range s.access() {
		verb, addr := "deny", rule.CIDR
		if rule.Allow {
			verb = "allow"
		}
		if rule.All {
			addr = "all"
		}
		if rule.Play {
			w.line(verb, addr)
		} else {
			w.line(verb, "publish", addr)
		}
	}
}

// dumpCommands writes an additive list (exec_*): where the enclosing block
// is dumped with the same row, only the commands this block adds, since
// loading the dump adds the enclosing block's again; elsewhere every
// command the block inherits.
func dumpCommands(r *row, s *scope, w *dumper) {
	key := r.storeKey()
	cmds := s.additive(key)
	if s.parent != nil && s.parent.ctx&r.dumpAt != 0 {
		cmds = cmds[len(s.parent.additive(key)):]
	}
	for _, c := range cmds {
		w.line(r.name, c.Args...)
	}
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
func dumpAccessLogs(r *row, s *scope, w *dumper) {
	formats, _ := logFormats(rtmpBlock(s))
	logs, _ := accessLogs(s, formats)
	if len(logs) == 0 {
		w.line(r.name, "off")
	}
	for _, a := range logs {
		w.line(r.name, a.Path, a.Format.Name)
	}
}

// dumpLogFormats writes the rtmp block's own log formats, with their
// arguments as written (a variable never spans two of them).
func dumpLogFormats(r *row, s *scope, w *dumper) {
	_, own := logFormats(s)
	for _, f := range own {
		w.line(r.name, append([]string{f.Name}, f.args...)...)
	}
}

// dumpRoot writes root where no alias replaces it: in one location, alias
// and root exclude each other, and an alias replaces an inherited root.
func dumpRoot(r *row, s *scope, w *dumper) {
	if s.ctx == ctxLoc && s.str("alias") != "" {
		return
	}
	dumpString(r, s, w)
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
