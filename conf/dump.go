package conf

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/rtmprecd/rtmprecd/parser"
)

// Dump returns the canonical configuration: every effective setting in a
// fixed order, as a configuration file that loads to the same meaning.
// Hash is the hex SHA-256 of these bytes. rtmprecd -T prints it.
func (c *Config) Dump() []byte { return bytes.Clone(c.dump) }

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// dumper builds a directive tree that parser.Format writes, so the dump
// quotes exactly as the parser reads.
type dumper struct {
	root  []*parser.Directive
	stack []*parser.Directive // open blocks
}

func (w *dumper) add(name string, args []string, block bool) *parser.Directive {
	d := &parser.Directive{Name: name, Args: append([]string(nil), args...), HasBlock: block}
	if n := len(w.stack); n > 0 {
		w.stack[n-1].Block = append(w.stack[n-1].Block, d)
	} else {
		w.root = append(w.root, d)
	}
	return d
}

func (w *dumper) line(name string, args ...string) { w.add(name, args, false) }

func (w *dumper) open(name string, args ...string) {
	w.stack = append(w.stack, w.add(name, args, true))
}

func (w *dumper) close() { w.stack = w.stack[:len(w.stack)-1] }

// dump writes the merged tree. Each setting appears at the level that the
// snapshot reads it from, so reloading the dump gives the same snapshot.
func dump(root *scope) []byte {
	w := &dumper{}
	if p := root.str("pid"); p != "" {
		w.line("pid", p)
	}
	el := root.get("error_log").(errorLogVal)
	w.line("error_log", el.file, el.level)
	w.line("config_watch", formatFlag(root.flag("config_watch")))
	w.line("shutdown_timeout", formatTime(root.dur("shutdown_timeout")))
	optional(w, root, "record_index")
	// rtmp before http whatever the source order: the dump is canonical
	for _, top := range root.children {
		if top.ctx == ctxRTMP {
			dumpRTMP(w, top)
		}
	}
	for _, top := range root.children {
		if top.ctx == ctxHTTP {
			dumpHTTP(w, top)
		}
	}
	return parser.Format(w.root)
}

func dumpRTMP(w *dumper, rt *scope) {
	w.open("rtmp")
	w.line("exec_max_children", strconv.FormatInt(rt.int64("exec_max_children"), 10))
	if n := rt.int64("max_connections"); n > 0 {
		w.line("max_connections", strconv.FormatInt(n, 10))
	} else {
		w.line("max_connections", "auto")
	}
	formats, own := logFormats(rt)
	for _, f := range own {
		w.line("log_format", append([]string{f.Name}, f.args...)...)
	}
	for _, s := range rt.children {
		w.open("server")
		for _, li := range listens(s) {
			w.line("listen", formatListen(li.Addr))
		}
		w.line("chunk_size", strconv.FormatInt(s.int64("chunk_size"), 10))
		w.line("max_message", formatSize(s.int64("max_message")))
		for _, k := range []string{"timeout", "ping", "ping_timeout"} {
			w.line(k, formatTime(s.dur(k)))
		}
		w.line("max_streams", strconv.FormatInt(s.int64("max_streams"), 10))
		w.line("ack_window", strconv.FormatInt(s.int64("ack_window"), 10))
		optional(w, s, "on_connect")
		w.line("netcall_timeout", formatTime(s.dur("netcall_timeout")))
		logs, _ := accessLogs(s, formats)
		dumpAccessLogs(w, logs)
		for _, a := range s.children {
			dumpApp(w, a, formats)
		}
		w.close()
	}
	w.close()
}

func optional(w *dumper, s *scope, key string) {
	if v := s.str(key); v != "" {
		w.line(key, v)
	}
}

func dumpApp(w *dumper, s *scope, formats map[string]*LogFormat) {
	w.open("application", s.name)
	w.line("live", formatFlag(s.flag("live")))
	logs, _ := accessLogs(s, formats)
	dumpAccessLogs(w, logs)
	if d := s.dur("drop_idle_publisher"); d > 0 {
		w.line("drop_idle_publisher", formatTime(d))
	} else {
		w.line("drop_idle_publisher", "off")
	}
	for _, r := range s.access() {
		dumpAccess(w, r)
	}
	for _, k := range []string{"on_publish", "on_publish_done", "on_done", "on_update"} {
		optional(w, s, k)
	}
	w.line("notify_method", s.str("notify_method"))
	w.line("notify_update_timeout", formatTime(s.dur("notify_update_timeout")))
	w.line("notify_update_strict", formatFlag(s.flag("notify_update_strict")))
	for _, k := range []string{"exec_publish", "exec_publish_done"} {
		for _, c := range s.additive(k) {
			w.line(k, c.Args...)
		}
	}
	w.line("exec_timeout", formatTime(s.dur("exec_timeout")))
	dumpRecord(w, s, s.additive("exec_record_done"))
	for _, rs := range s.children {
		w.open("recorder", rs.name)
		dumpRecord(w, rs, rs.additive("exec_record_done")[len(s.additive("exec_record_done")):])
		w.close()
	}
	w.close()
}

func dumpAccess(w *dumper, r AccessRule) {
	verb := "deny"
	if r.Allow {
		verb = "allow"
	}
	addr := r.CIDR
	if r.All {
		addr = "all"
	}
	if r.Play {
		w.line(verb, addr)
		return
	}
	w.line(verb, "publish", addr)
}

// dumpRecord writes a recorder's settings; exec lists only the commands
// this level adds, since exec_record_done is additive.
func dumpRecord(w *dumper, s *scope, execs []Command) {
	r := buildRecorder(s, s.name)
	if r.Flags != 0 {
		w.line("record", formatRecord(r.Flags)...)
	}
	if r.Path != "" {
		w.line("record_path", r.Path)
	}
	w.line("record_suffix", r.Suffix)
	for _, f := range []struct {
		k string
		v bool
	}{{"record_unique", r.Unique}, {"record_append", r.Append}, {"record_lock", r.Lock}} {
		w.line(f.k, formatFlag(f.v))
	}
	w.line("record_max_size", formatSize(r.MaxSize))
	w.line("record_max_frames", formatSize(r.MaxFrames))
	if r.IntervalSet {
		w.line("record_interval", formatTime(r.Interval))
	}
	w.line("record_notify", formatFlag(r.Notify))
	w.line("record_fsync", formatFlag(r.Fsync))
	if r.OnRecordDone != "" {
		w.line("on_record_done", r.OnRecordDone)
	}
	for _, c := range execs {
		w.line("exec_record_done", c.Args...)
	}
}

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

func dumpHTTP(w *dumper, h *scope) {
	w.open("http")
	for _, s := range h.children {
		w.open("server")
		for _, li := range listens(s) {
			w.line("listen", formatListen(li.Addr))
		}
		optional(w, s, "control_token")
		optional(w, s, "root")
		for _, c := range s.children {
			w.open("location", c.name)
			if v, _ := c.get("rtmp_control").([]string); len(v) > 0 {
				w.line("rtmp_control", v...)
			}
			if v, _ := c.get("rtmp_stat").([]string); len(v) > 0 {
				w.line("rtmp_stat", v...)
			}
			optional(w, c, "rtmp_stat_stylesheet")
			w.line("rtmp_metrics", formatFlag(c.flag("rtmp_metrics")))
			w.line("metrics_per_stream", formatFlag(c.flag("metrics_per_stream")))
			w.line("record_api", formatFlag(c.flag("record_api")))
			optional(w, c, "control_token")
			if a := c.str("alias"); a != "" {
				w.line("alias", a)
			} else {
				optional(w, c, "root")
			}
			w.close()
		}
		w.close()
	}
	w.close()
}
