package conf

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/parser"
)

// assemble merges the scope tree into the immutable snapshot and runs the
// checks that need merged values.
func assemble(file string, root *scope, l *loader) (*Config, error) {
	el := root.get("error_log").(errorLogVal)
	cfg := &Config{
		File:            file,
		ErrorLog:        el.file,
		ErrorLogLevel:   el.level,
		Pid:             root.str("pid"),
		ConfigWatch:     root.flag("config_watch"),
		ShutdownTimeout: root.dur("shutdown_timeout"),
		RecordIndex:     root.str("record_index"),
		CleanupInterval: root.dur("record_cleanup_interval"),
		NodeName:        root.str("node_name"),
		NodeURL:         root.str("node_url"),
		ExecMaxChildren: int(root.int64("exec_max_children")),
	}
	if cfg.ErrorLog == "stderr" {
		cfg.ErrorLog = ""
	}
	l.warnNginxFile("pid", cfg.Pid, posOf(root.lookup("pid")))
	l.warnNginxFile("error_log", cfg.ErrorLog, posOf(root.lookup("error_log")))
	for _, top := range root.children {
		if top.ctx == ctxRTMP {
			cfg.ExecMaxChildren = int(top.int64("exec_max_children"))
		}
		if top.ctx == ctxRTMP && cfg.MaxConnections == 0 {
			cfg.MaxConnections = int(top.int64("max_connections"))
		}
		for _, s := range top.children {
			var err error
			if top.ctx == ctxRTMP {
				err = cfg.addServer(s, l)
			} else {
				err = cfg.addHTTP(s, l)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if err := checkListens(cfg); err != nil {
		return nil, err
	}
	if err := checkRecordAPI(root, cfg); err != nil {
		return nil, err
	}
	if err := checkRetention(cfg); err != nil {
		return nil, err
	}
	cfg.Warnings = l.warnings
	return cfg, nil
}

// posOf is where e was set, or nil for no entry.
func posOf(e *entry) *parser.Pos {
	if e == nil {
		return nil
	}
	return &e.pos
}

func listens(s *scope) []Listen {
	v, _ := s.own("listen").([]Listen)
	return v
}

func (cfg *Config) addServer(s *scope, l *loader) error {
	srv := &Server{
		Index:       len(cfg.Servers),
		Pos:         s.pos,
		Listen:      listens(s),
		ChunkSize:   int(s.int64("chunk_size")),
		MaxMessage:  s.int64("max_message"),
		Timeout:     s.dur("timeout"),
		Ping:        s.dur("ping"),
		PingTimeout: s.dur("ping_timeout"),
		MaxStreams:  int(s.int64("max_streams")),
		AckWindow:   s.int64("ack_window"),
	}
	if len(srv.Listen) == 0 {
		l.warn(s.pos, `rtmp server has no "listen" and accepts no connections`)
	}
	formats, _ := logFormats(s.parent)
	var err error
	if srv.AccessLogs, err = accessLogs(s, formats); err != nil {
		return err
	}
	for _, a := range s.children {
		app, err := buildApp(a, l)
		if err != nil {
			return err
		}
		if app.AccessLogs, err = accessLogs(a, formats); err != nil {
			return err
		}
		srv.Applications = append(srv.Applications, app)
	}
	cfg.Servers = append(cfg.Servers, srv)
	return nil
}

func buildApp(s *scope, l *loader) (*Application, error) {
	app := &Application{
		Name:              s.name,
		Pos:               s.pos,
		Live:              s.flag("live"),
		DropIdlePublisher: s.dur("drop_idle_publisher"),
		Access:            s.access(),
		Notify: Notify{
			OnConnect:      s.str("on_connect"),
			OnPublish:      s.str("on_publish"),
			OnPublishDone:  s.str("on_publish_done"),
			OnDone:         s.str("on_done"),
			OnUpdate:       s.str("on_update"),
			Method:         s.str("notify_method"),
			UpdateTimeout:  s.dur("notify_update_timeout"),
			UpdateStrict:   s.flag("notify_update_strict"),
			NetcallTimeout: s.dur("netcall_timeout"),
		},
		Exec: Exec{
			Publish:     s.additive("exec_publish"),
			PublishDone: s.additive("exec_publish_done"),
			Timeout:     s.dur("exec_timeout"),
		},
	}
	for _, rs := range s.children {
		r, err := buildRecorder(rs, rs.name)
		if err != nil {
			return nil, err
		}
		app.Recorders = append(app.Recorders, r)
	}
	inline, err := buildRecorder(s, "")
	if err != nil {
		return nil, err
	}
	if inline.Flags != 0 {
		app.Recorders = append(app.Recorders, inline)
	}
	return app, checkRecorders(app, l)
}

func buildRecorder(s *scope, name string) (*Recorder, error) {
	suf := recordSuffix(s)
	flags, _ := s.get("record").(RecordFlags)
	r := &Recorder{
		Name:           name,
		Pos:            s.pos,
		Flags:          flags,
		Path:           s.str("record_path"),
		Suffix:         suf.text,
		SuffixFormat:   suf.f,
		MoovRoom:       s.get("record_moov_room").(time.Duration),
		HLSSegmentType: s.str("record_hls_segment_type"),
		HLSFragment:    s.get("record_hls_fragment").(time.Duration),
		HLSMaxFragment: s.get("record_hls_max_fragment").(time.Duration),
		Unique:         s.flag("record_unique"),
		Append:         s.flag("record_append"),
		Lock:           s.flag("record_lock"),
		MaxSize:        s.int64("record_max_size"),
		MaxFrames:      s.int64("record_max_frames"),
		Notify:         s.flag("record_notify"),
		Fsync:          s.flag("record_fsync"),
		Format:         s.str("record_format"),
		OnRecordDone:   s.str("on_record_done"),
		EventBefore:    s.dur("record_event_before"),
		EventAfter:     s.dur("record_event_after"),
		EventMaxBefore: s.dur("record_event_max_before"),
		Spool:          s.str("record_spool"),
		SpoolMaxSize:   s.int64("record_spool_max_size"),
		ExecRecordDone: s.additive("exec_record_done"),
		IntervalAlign:  s.flag("record_interval_align"),
		Timezone:       s.str("record_timezone"),
		Retention:      buildRetention(s),
	}
	r.Schedules, _ = s.get("record_schedule").([]Window)
	r.Streams, _ = s.get("record_streams").(*StreamFilter)
	if r.Timezone != "" {
		r.Location, _ = time.LoadLocation(r.Timezone) // checked by its setter
	}
	if e := s.lookup("record_interval"); e != nil {
		r.Interval, r.IntervalSet = e.val.(time.Duration), true
	}
	if name == "" {
		// the inline recorder is the application itself; name the line
		// that made it record, which is what the user has to look at
		if e := s.lookup("record"); e != nil {
			r.Pos = e.pos
		}
	}
	return r, compileRecordPaths(s, r)
}

// recordSuffix is the record_suffix in effect at s: when no level sets
// one, the default of the recorder's format (FormatSuffix).
func recordSuffix(s *scope) suffixVal {
	if s.lookup("record_suffix") == nil {
		return suffixVal{text: FormatSuffix(s.str("record_format"))}
	}
	return s.get("record_suffix").(suffixVal)
}

// records reports whether a recorder can ever open a file.
func (r *Recorder) records() bool {
	return r.Flags&(RecordAudio|RecordVideo|RecordKeyframes|RecordManual|RecordEvent) != 0
}

// Template is the recorder's file name pattern with NAME standing for the
// escaped stream name: record_path/NAME[-UNIX]SUFFIX.
func (r *Recorder) Template() string {
	t := path.Join(r.Path, "NAME")
	if r.Unique {
		t += "-UNIX"
	}
	return t + r.Suffix
}

func describe(r *Recorder) string {
	if r.Name == "" {
		return "the inline recorder"
	}
	return "recorder " + strconv.Quote(r.Name)
}

// checkRecorders enforces what nginx-rtmp leaves to luck: a recording
// recorder needs a path, and two recorders of one application must not
// write the same files (they would truncate and interleave each other).
func checkRecorders(app *Application, l *loader) error {
	seen := map[string]*Recorder{}
	for _, r := range app.Recorders {
		if r.Flags == 0 {
			l.warn(r.Pos, fmt.Sprintf(`recorder %q has no "record" directive and records nothing`, r.Name))
			continue
		}
		if !r.records() {
			continue
		}
		if r.Flags&(RecordAudio|RecordVideo|RecordKeyframes|RecordOff) == 0 {
			l.warn(r.Pos, describe(r)+` has "record manual" without "all", "audio", "video" or "keyframes" and records nothing`)
		}
		if r.Path == "" {
			return errAt(r.Pos, `"record_path" must be set when "record" is enabled`)
		}
		if r.Format == "hls" && r.HLSMaxFragment > 0 && r.HLSMaxFragment < r.HLSFragment {
			return errAt(r.Pos, fmt.Sprintf(`%s has "record_hls_max_fragment %v" below "record_hls_fragment %v": a segment could not reach its fragment`,
				describe(r), r.HLSMaxFragment, r.HLSFragment))
		}
		if r.Append && !FormatAppends(r.Format) && !l.noAppendWarned {
			l.noAppendWarned = true
			l.warn(r.Pos, fmt.Sprintf(`%s has "record_append on" with "record_format %s", which cannot append: each recording gets the next free name`,
				describe(r), r.Format))
		}
		t := r.templateKey()
		if o := seen[t]; o != nil && r.Streams.overlaps(o.Streams) {
			return errAt(r.Pos, fmt.Sprintf("%s and %s (%s) of application %q write the same files %q",
				describe(r), describe(o), o.Pos.FileLine(), app.Name, r.Template()))
		}
		seen[t] = r
	}
	return nil
}

func (cfg *Config) addHTTP(s *scope, l *loader) error {
	hs := &HTTPServer{Pos: s.pos, Listen: listens(s), ControlToken: s.str("control_token"), Root: s.str("root")}
	if len(hs.Listen) == 0 {
		l.warn(s.pos, `http server has no "listen" and accepts no connections`)
	}
	for _, c := range s.children {
		loc, err := buildLocation(c)
		if err != nil {
			return err
		}
		hs.Locations = append(hs.Locations, loc)
	}
	cfg.HTTP = append(cfg.HTTP, hs)
	return nil
}

func buildLocation(c *scope) (*Location, error) {
	control, _ := c.get("rtmp_control").([]string)
	stat, _ := c.get("rtmp_stat").([]string)
	loc := &Location{
		Path:           c.name,
		Control:        control,
		Stat:           stat,
		StatStylesheet: c.str("rtmp_stat_stylesheet"),
		Metrics:        c.flag("rtmp_metrics"),
		PerStream:      c.flag("metrics_per_stream"),
		RecordAPI:      c.flag("record_api"),
		RecordConsole:  c.flag("record_console"),
		ExportMax:      c.dur("record_export_max"),
		ExportLimit:    int(c.int64("record_export_concurrency")),
		ControlToken:   c.str("control_token"),
		Alias:          c.str("alias"),
	}
	if loc.Alias == "" {
		loc.Root = c.str("root")
	} else if e := c.vals["root"]; e != nil {
		// as nginx: in one location, root and alias exclude each other
		return nil, errAt(c.vals["alias"].pos, `"alias" directive is duplicate, "root" directive was specified earlier`)
	}
	return loc, nil
}

// checkListens rejects an address given twice anywhere: the second bind
// would fail at start-up, far from the line that caused it.
func checkListens(cfg *Config) error {
	seen := map[string]bool{}
	var all []Listen
	for _, s := range cfg.Servers {
		all = append(all, s.Listen...)
	}
	for _, h := range cfg.HTTP {
		all = append(all, h.Listen...)
	}
	for _, li := range all {
		if seen[li.Addr] && !strings.HasSuffix(li.Addr, ":0") {
			return errAt(li.Pos, fmt.Sprintf("duplicate \"listen\" address %q", li.Addr))
		}
		seen[li.Addr] = true
	}
	return nil
}

// checkRecordAPI rejects a record_api location without record_index: the
// API answers from the index.
func checkRecordAPI(root *scope, cfg *Config) error {
	if cfg.RecordIndex != "" {
		return nil
	}
	for _, top := range root.children {
		for _, s := range top.children {
			for _, c := range s.children {
				if c.ctx == ctxLoc && c.flag("record_api") {
					return errAt(c.vals["record_api"].pos, `"record_api" needs "record_index" at the top level: the API answers from the recordings index`)
				}
			}
		}
	}
	return nil
}
