package conf

import (
	"math/bits"

	"github.com/rtmprecd/rtmprecd/parser"
)

// ctx is a set of places where a directive may appear.
type ctx uint16

// Contexts. ctxRTMP is the rtmp{} block itself (nginx-rtmp's "main").
const (
	ctxMain ctx = 1 << iota
	ctxRTMP
	ctxSrv
	ctxApp
	ctxRec
	ctxHTTP
	ctxHTTPSrv
	ctxLoc
)

// Context groups used by the table.
const (
	ctxRTMPAll = ctxRTMP | ctxSrv | ctxApp
	ctxRecAll  = ctxRTMPAll | ctxRec
	ctxCore    = ctxRTMP | ctxSrv
	ctxHTTPAll = ctxHTTP | ctxHTTPSrv | ctxLoc
	// ctxRecorders is where a recorder's settings are read: the inline
	// recorder of an application, and named recorders.
	ctxRecorders = ctxApp | ctxRec
)

var ctxNames = []struct {
	c    ctx
	name string
}{
	{ctxMain, "top level"}, {ctxRTMP, "rtmp"}, {ctxSrv, "rtmp server"},
	{ctxApp, "application"}, {ctxRec, "recorder"}, {ctxHTTP, "http"},
	{ctxHTTPSrv, "http server"}, {ctxLoc, "location"},
}

// merge says how a value found at several levels combines.
type merge uint8

const (
	mergeNearest  merge = iota // the innermost level that sets it wins
	mergeAdditive              // every level's entries, outermost first (exec_*)
	mergeAccess                // own rules, then the parent's (nginx-rtmp access)
)

// row is one directive of the table: everything the loader, the merger, the
// dump and the generated reference need to know about it.
type row struct {
	name   string
	ctx    ctx
	min    int // argument count bounds; max < 0 = unbounded
	max    int
	inner  ctx    // for block directives, the context of the body; 0 = not a block
	key    string // storage key when rows share one (allow/deny); default name
	merge  merge
	repeat func(prev, v any) any // non-nil: repeated lines accumulate, else duplicate
	set    func(l *loader, d *parser.Directive) (any, error)
	def    string // default as config text; "" = none
	syntax string // argument synopsis for the reference
	doc    string
	// dump writes the setting into the canonical dump (and so the hash):
	// the arguments of each line for block s, none when it is unset and
	// has no default. Every setting row has one; a row without one would
	// leave a change to it out of the hash, and a reload would skip it as
	// unchanged.
	dump dumpFunc
	// dumpAt are the blocks whose dump writes the setting: the blocks the
	// snapshot reads it in, so that reloading the dump gives the same
	// snapshot. Default: the innermost context the directive may appear
	// in, in each of the rtmp and http trees.
	dumpAt ctx
	// sharedKey marks a row whose storage key an earlier row has (deny
	// after allow): the earlier row dumps the value.
	sharedKey bool
}

// readAt sets the blocks the snapshot reads the row's value in (dumpAt).
func (r *row) readAt(c ctx) *row {
	r.dumpAt = c
	return r
}

func (r *row) storeKey() string {
	if r.key != "" {
		return r.key
	}
	return r.name
}

// table is the single source of truth for directives: the loader, the merge,
// the canonical dump and DirectiveDocs all read it. Within a block, the dump
// writes settings in table order.
var table = append(coreTable, retentionTable...)

// coreTable are the directives but retention's (retention.go).
var coreTable = []*row{
	// top level
	{name: "rtmp", ctx: ctxMain, inner: ctxRTMP, doc: "RTMP servers."},
	{name: "http", ctx: ctxMain, inner: ctxHTTP, doc: "HTTP servers for the control API, statistics and metrics."},
	str1("pid", ctxMain, "", "FILE", "Write the daemon's process id to FILE."),
	{name: "error_log", ctx: ctxMain, min: 1, max: 2, set: setErrorLog, dump: dumpErrorLog, def: "stderr info", syntax: "FILE [debug|info|notice|warn|error|crit|alert|emerg]",
		doc: "Log destination (`stderr` or a file) and minimum level."},
	flagRow("config_watch", ctxMain, "off", "Reload the configuration when the file changes (SIGHUP always reloads)."),
	timeRow("shutdown_timeout", ctxMain, "10s", "How long a stop waits for recordings to finish before closing them."),
	str1("record_index", ctxMain, "", "PATH|postgres://...", "Keep an index of every recording in the SQLite database PATH (created if absent; give it a hidden name outside the record paths), with a journal beside it (PATH.journal); or, with a `postgres://` URL, in a PostgreSQL database that several nodes share (see `node_name`). Without it nothing is indexed, as nginx-rtmp."),
	str1("node_name", ctxMain, "", "NAME", "This node's name in a PostgreSQL index shared by several nodes: every row it writes carries it. Default: the host name."),
	url("node_url", ctxMain, "This node's `record_api` location as the other nodes reach it (`http://10.0.0.2:8080/api/`): they forward the downloads and deletions of this node's recordings there, with their location's `control_token`."),

	// rtmp and its servers
	{name: "server", ctx: ctxRTMP, inner: ctxSrv, repeat: keepBlocks, doc: "One RTMP server."},
	intRow("exec_max_children", ctxRTMP, "32", 1, 4096, "Most exec_* commands running at once in the whole daemon; up to 1024 more wait their turn in order, later ones are dropped with a log line and counted in `rtmprecd_exec_runs_total{result=\"dropped\"}`. rtmp block only: it bounds the process, whose every running child holds a thread and file descriptors."),
	{name: "max_connections", ctx: ctxRTMP, min: 1, max: 1, set: setMaxConnections, dump: dumpMaxConnections, def: "auto", syntax: "NUMBER|auto",
		doc: "Most RTMP connections at once, all servers together; past it the oldest connection not yet connected to an application is closed to make room, else the new one. `auto`: (RLIMIT_NOFILE − 128) ÷ 2."},
	{name: "log_format", ctx: ctxRTMP, min: 2, max: -1, repeat: appendList, set: setLogFormat, dump: dumpLogFormats, syntax: "NAME TEXT ...",
		doc: "Define an access log format: the texts joined, with nginx-rtmp's variables `$connection`, `$remote_addr`, `$app`, `$flashver`, `$swfurl`, `$tcurl`, `$pageurl`, `$command`, `$name`, `$args`, `$bytes_sent`, `$bytes_received`, `$time_local`, `$session_time`, `$session_readable_time`."},
	{name: "listen", ctx: ctxSrv | ctxHTTPSrv, min: 1, max: -1, repeat: appendList, set: setListen, dump: dumpListen, syntax: "[ADDR:]PORT [params]",
		doc: "Address to accept connections on; a bare port (or `*:PORT`) means every interface, IPv4 and IPv6; an IPv4 address (`0.0.0.0` included) binds IPv4 only, an IPv6 one IPv6 only. nginx parameters (`bind`, `so_keepalive=`, ...) are ignored with a warning."},
	{name: "application", ctx: ctxSrv, min: 1, max: 1, inner: ctxApp, repeat: keepBlocks, syntax: "NAME", doc: "Application matched exactly by name on connect."},
	intRow("chunk_size", ctxCore, "4096", 128, 1<<24-1, "Outgoing RTMP chunk size."),
	sizeRow("max_message", ctxCore, "1m", "Largest incoming RTMP message; larger ones drop the connection."),
	timeRow("timeout", ctxCore, "60s", "Socket read/write timeout."),
	timeRow("ping", ctxCore, "60s", "Interval of RTMP pings; 0 disables them."),
	timeRow("ping_timeout", ctxCore, "30s", "How long to wait for a ping reply."),
	intRow("max_streams", ctxCore, "32", 1, 1<<16, "Maximum message streams (createStream) per connection; chunk streams are capped at 64 whatever it says (nginx-rtmp uses it for chunk streams)."),
	intRow("ack_window", ctxCore, "5000000", 0, 1<<31-1, "RTMP acknowledgement window in bytes."),
	url("on_connect", ctxCore, "HTTP callback on connect; a non-2xx answer refuses the connection."),
	timeRow("netcall_timeout", ctxCore, "10s", "Timeout of each step (connect, send, read) of a callback."),

	// applications: publishing, access log, access, callbacks and commands
	flagRow("live", ctxRTMPAll, "off", "Accepted for nginx-rtmp configurations and changes nothing: rtmprecd serves no players, and the control API and /stat see every publisher with `live` on or off."),
	{name: "access_log", ctx: ctxRTMPAll, dumpAt: ctxSrv | ctxApp, min: 1, max: 2, repeat: appendList, set: setAccessLog, dump: dumpAccessLogs, syntax: "FILE [FORMAT]|off",
		doc: "Write one line per connection to FILE when it closes, in FORMAT (`combined` by default); several lines in one block accumulate, and the innermost block with any `access_log` decides. Reopened on SIGUSR1. Default: none."},
	{name: "drop_idle_publisher", ctx: ctxRTMPAll, min: 1, max: 1, set: setIdle, dump: dumpIdle, def: "off", syntax: "TIME|off",
		doc: "Drop a publisher that sent no audio or video for TIME."},
	{name: "allow", ctx: ctxRTMPAll, min: 1, max: 2, key: "access", merge: mergeAccess, repeat: appendList, set: setAccess, dump: dumpAccess,
		syntax: "[publish] ADDR|CIDR|all", doc: "Allow publishing from an address; rules are checked in order, first match wins; a block's own rules come before its parent's. `allow play` is accepted and ignored with a warning."},
	{name: "deny", ctx: ctxRTMPAll, min: 1, max: 2, key: "access", merge: mergeAccess, repeat: appendList, set: setAccess, dump: dumpAccess,
		syntax: "[publish] ADDR|CIDR|all", doc: "Deny publishing from an address; `deny play` is accepted and ignored with a warning."},
	url("on_publish", ctxRTMPAll, "HTTP callback before a publish; 2xx allows, 3xx renames, anything else refuses."),
	url("on_publish_done", ctxRTMPAll, "HTTP callback when a publisher leaves."),
	url("on_done", ctxRTMPAll, "HTTP callback when a publisher leaves (any role in nginx-rtmp)."),
	url("on_update", ctxRTMPAll, "Periodic HTTP callback; a failed answer drops the publisher."),
	{name: "notify_method", ctx: ctxRTMPAll, min: 1, max: 1, set: setMethod, dump: dumpString, def: "post", syntax: "get|post", doc: "HTTP method of the callbacks."},
	timeRow("notify_update_timeout", ctxRTMPAll, "30s", "Period of on_update; 0 disables it."),
	flagRow("notify_update_strict", ctxRTMPAll, "off", "Treat a 3xx answer to on_update as failure."),
	execRow("exec_publish", ctxRTMPAll, "Command run when a publish starts; additive across levels."),
	execRow("exec_publish_done", ctxRTMPAll, "Command run when a publisher leaves; additive across levels."),
	timeRow("exec_timeout", ctxRTMPAll, "0s", "Kill an exec_* command still running after TIME; 0 = no limit (a transcode can take long)."),

	// record family: the inline recorder of an application and named recorders
	{name: "recorder", ctx: ctxApp, min: 1, max: 1, inner: ctxRec, repeat: keepBlocks, syntax: "NAME",
		doc: "Named recorder; inherits every unset record setting from its application."},
	{name: "record", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: -1, repeat: orFlags, set: setRecord, dump: dumpRecord, syntax: "off|all|audio|video|keyframes|manual|event ...",
		doc: "What to record; several lines in one block accumulate. A block with no `record` inherits its parent's."},
	str1("record_path", ctxRecAll, "", "DIR", "Directory of the recordings; relative paths resolve against the daemon's working directory. `$app`, `$name`, `$recorder`, `$0`..`$9` (record_streams captures) and strftime verbs make it a template; each value is one escaped path component, and nothing is written outside the directory before the first of them.").readAt(ctxRecorders),
	{name: "record_suffix", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setSuffix, dump: dumpSuffix, def: ".flv", syntax: "SUFFIX",
		doc: "Appended to the stream name; strftime verbs (local time of the open, `%s` = Unix seconds) when it contains `%`."},
	flagRow("record_unique", ctxRecAll, "off", "Insert `-<unix seconds>` between the stream name and the suffix.").readAt(ctxRecorders),
	flagRow("record_append", ctxRecAll, "off", "Append to an existing file, continuing its timestamps.").readAt(ctxRecorders),
	flagRow("record_lock", ctxRecAll, "off", "Hold an fcntl write lock on the file while recording.").readAt(ctxRecorders),
	sizeRow("record_max_size", ctxRecAll, "0", "Start a new file once this size is reached; 0 = unlimited.").readAt(ctxRecorders),
	sizeRow("record_max_frames", ctxRecAll, "0", "Start a new file after this many audio/video frames; 0 = unlimited.").readAt(ctxRecorders),
	{name: "record_interval", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setTime, dump: dumpTime, syntax: "TIME",
		doc: "Start a new file every TIME at the next key frame; 0 = every key frame. Default: unset."},
	{name: "record_format", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setRecordFormat, dump: dumpKept, def: "flv", syntax: "flv|mp4|fmp4|hls",
		doc: "Container of the recordings: `flv`, progressive `mp4` (moov first, written once) or fragmented `fmp4`, or `hls` (a directory per recording with `index.m3u8` and its segments). The default `record_suffix` follows it (`.mp4` for both MP4 formats, none for `hls`)."},
	{name: "record_hls_segment_type", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setHLSSegmentType, dump: dumpKept, def: "fmp4", syntax: "fmp4|mpegts",
		doc: "Segments of an `hls` recording: CMAF fragmented MP4 (`init.mp4` + `NNNNNN.m4s`) or MPEG-TS (`NNNNNN.ts`; H.264, HEVC, AAC, MP3 and Opus only)."},
	{name: "record_hls_fragment", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setTime, dump: dumpTimeKept, def: "6s", syntax: "TIME",
		doc: "An `hls` segment ends at the first video key frame at or after TIME (recordings without video: at TIME)."},
	{name: "record_hls_max_fragment", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setTime, dump: dumpTimeKept, def: "0s", syntax: "TIME",
		doc: "An `hls` segment ends at TIME even without a key frame; `#EXT-X-TARGETDURATION` is TIME rounded up. 0 = three times `record_hls_fragment`; below it is a config error."},
	{name: "record_moov_room", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setTime, dump: dumpTimeKept, def: "1h", syntax: "TIME",
		doc: "Media duration the moov room reserved at the start of an `mp4` file covers (assuming 30 video and 50 audio frames a second, about 7 MB an hour); a longer file gets its moov after the media."},
	{name: "record_interval_align", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setFlag, dump: dumpFlagKept, def: "off", syntax: "on|off",
		doc: "With `record_interval T`, split at the first key frame after each multiple of T in wall-clock time (10:00, 10:10, ... for 10m; in `record_timezone`); the first file after a publish ends at the next boundary."},
	{name: "record_timezone", ctx: ctxRecAll, dumpAt: ctxRecorders, min: 1, max: 1, set: setTimezone, dump: dumpKept, syntax: "NAME",
		doc: "IANA time zone (`Europe/Berlin`, `UTC`) of `record_schedule`, `record_interval_align` and strftime verbs in names. Default: the daemon's local time."},
	{name: "record_schedule", ctx: ctxRecorders, min: 2, max: 2, repeat: appendList, set: setSchedule, dump: dumpSchedules, syntax: "DAYS HH:MM-HH:MM",
		doc: "Record only inside the union of these windows: DAYS is `daily`, weekdays (`mon-fri`, `sat,sun`) or dates (`2026-12-24`); a span whose end is not after its start crosses midnight. Repeatable; a recorder with any of its own ignores its application's. Default: always."},
	{name: "record_streams", ctx: ctxRecorders, min: 1, max: -1, set: setStreams, dump: dumpStreams, syntax: "~REGEX|NAME ...",
		doc: "Record only the streams of the application whose name matches REGEX (its groups are `$1`..`$9` in `record_path` and `record_suffix`) or is one of the NAMEs. Default: every stream."},
	flagRow("record_notify", ctxRecAll, "off", "Send NetStream.Record.Start/Stop/Failed to the publisher.").readAt(ctxRecorders),
	flagRow("record_fsync", ctxRecAll, "off", "Make every flush durable with fdatasync (at each keyframe, when the 64 KiB buffer fills, at least once a second, and at close).").readAt(ctxRecorders),
	timeRow("record_event_before", ctxRecAll, "30s", "Media kept before an event's trigger when the request gives no `beforeDuration` (`record ... event`).").readAt(ctxRecorders),
	timeRow("record_event_after", ctxRecAll, "30s", "Media recorded after an event's trigger when the request gives no `afterDuration`.").readAt(ctxRecorders),
	timeRow("record_event_max_before", ctxRecAll, "60s", "What an event recorder's pre-roll holds, and the most `beforeDuration` a request gets (more is clamped).").readAt(ctxRecorders),
	str1("record_spool", ctxRecAll, "", "DIR", "Directory of the pre-roll ring files of event recorders; default `.rtmprecd-spool` under `record_path`.").readAt(ctxRecorders),
	sizeRow("record_spool_max_size", ctxRecAll, "256m", "Largest pre-roll ring file of one stream and event recorder, whatever its bitrate.").readAt(ctxRecorders),
	url("on_record_done", ctxRecAll, "HTTP callback after each recorded file is closed.").readAt(ctxRecorders),
	execRow("exec_record_done", ctxRecAll, "Command run after each recorded file is closed; additive across levels.").readAt(ctxRecorders),

	// http
	{name: "server", ctx: ctxHTTP, inner: ctxHTTPSrv, repeat: keepBlocks, doc: "One HTTP server."},
	{name: "location", ctx: ctxHTTPSrv, min: 1, max: 2, inner: ctxLoc, repeat: keepBlocks, syntax: "[=|^~] PATH",
		doc: "Prefix location; the `=` and `^~` modifiers are read as a prefix with a warning, regular-expression locations are ignored with a warning."},
	words("rtmp_control", []string{"all", "record", "drop", "redirect"}, "Serve the control API (`.../record/start`, `.../drop/publisher`, ...) here."),
	words("rtmp_stat", []string{"all", "global", "live", "clients"}, "Serve nginx-rtmp's XML statistics here."),
	str1("rtmp_stat_stylesheet", ctxHTTPAll, "", "URL", "Adds the `<?xml-stylesheet?>` instruction pointing at URL (nginx-rtmp's stat.xsl) to the XML of /stat."),
	flagRow("rtmp_metrics", ctxLoc, "off", "Serve Prometheus metrics here."),
	flagRow("metrics_per_stream", ctxHTTPAll, "off", "Add per-stream series to the metrics."),
	flagRow("record_api", ctxLoc, "off", "Serve the recordings JSON API (list, catalog, start, stop, delete, files) below this location; needs `record_index`."),
	flagRow("record_console", ctxLoc, "off", "Serve the web console (live streams, recordings, playback, health) below this location; it calls the `record_api`, `rtmp_stat`, `rtmp_control` and `rtmp_metrics` locations of the same server."),
	{name: "record_export_max", ctx: ctxLoc, min: 1, max: 1, set: setTime, dump: dumpForAPI(formatTime), def: "24h", syntax: "TIME",
		doc: "Longest time range one export (`export/...`, `playlist/...`) of the `record_api` below may span; a longer one is answered 422."},
	{name: "record_export_concurrency", ctx: ctxLoc, min: 1, max: 1, set: setInt(1, 1024), dump: dumpForAPI(formatInt), def: "4", syntax: "NUMBER",
		doc: "Exports of the `record_api` location that may run at once; one more is answered 429 with `Retry-After`."},
	str1("control_token", ctxHTTPAll, "", "STRING", "Bearer token required by every location of the block it is set in (the control API, /stat, /metrics, files).").readAt(ctxHTTPSrv | ctxLoc),
	{name: "root", ctx: ctxHTTPAll, dumpAt: ctxHTTPSrv | ctxLoc, min: 1, max: 1, set: setString, dump: dumpRoot, syntax: "DIR",
		doc: "Serve files: the request path appended to DIR (no directory listing; nothing outside DIR, symbolic links included). Relative to the working directory."},
	str1("alias", ctxLoc, "", "DIR", "Serve files: the request path after the location's prefix appended to DIR; replaces an inherited root."),
}

// rows indexes the table by name; a name may have one row per context (server).
var rows = func() map[string][]*row {
	m := make(map[string][]*row)
	keys := make(map[string]bool)
	for _, r := range table {
		if r.dumpAt == 0 && r.inner == 0 {
			r.dumpAt = innermost(r.ctx&rtmpTree) | innermost(r.ctx&httpTree) | r.ctx&ctxMain
		}
		if r.inner == 0 {
			r.sharedKey = keys[r.storeKey()]
			keys[r.storeKey()] = true
		}
		m[r.name] = append(m[r.name], r)
	}
	return m
}()

// The two trees of blocks below the top level.
const (
	rtmpTree = ctxRTMP | ctxSrv | ctxApp | ctxRec
	httpTree = ctxHTTP | ctxHTTPSrv | ctxLoc
)

// innermost is the deepest context of c, whose bits follow nesting order.
func innermost(c ctx) ctx {
	if c == 0 {
		return 0
	}
	return 1 << (bits.Len16(uint16(c)) - 1)
}

// lookupRow returns the row for name in context c, and whether the name is
// known anywhere.
func lookupRow(name string, c ctx) (*row, bool) {
	rs := rows[name]
	for _, r := range rs {
		if r.ctx&c != 0 {
			return r, true
		}
	}
	return nil, len(rs) > 0
}

func flagRow(name string, c ctx, def, doc string) *row {
	return &row{name: name, ctx: c, min: 1, max: 1, set: setFlag, dump: dumpFlag, def: def, syntax: "on|off", doc: doc}
}

func timeRow(name string, c ctx, def, doc string) *row {
	return &row{name: name, ctx: c, min: 1, max: 1, set: setTime, dump: dumpTime, def: def, syntax: "TIME", doc: doc}
}

func sizeRow(name string, c ctx, def, doc string) *row {
	return &row{name: name, ctx: c, min: 1, max: 1, set: setSize, dump: dumpSize, def: def, syntax: "SIZE", doc: doc}
}

func intRow(name string, c ctx, def string, lo, hi int64, doc string) *row {
	return &row{name: name, ctx: c, min: 1, max: 1, set: setInt(lo, hi), dump: dumpInt, def: def, syntax: "NUMBER", doc: doc}
}

func str1(name string, c ctx, def, syntax, doc string) *row {
	return &row{name: name, ctx: c, min: 1, max: 1, set: setString, dump: dumpString, def: def, syntax: syntax, doc: doc}
}

func url(name string, c ctx, doc string) *row {
	return &row{name: name, ctx: c, min: 1, max: 1, set: setURL, dump: dumpString, syntax: "URL", doc: doc}
}

func execRow(name string, c ctx, doc string) *row {
	return &row{name: name, ctx: c, min: 1, max: -1, merge: mergeAdditive, repeat: appendList, set: setExec, dump: dumpCommands, syntax: "CMD [ARG ...]", doc: doc}
}

func words(name string, allowed []string, doc string) *row {
	return &row{name: name, ctx: ctxHTTPAll, min: 1, max: -1, repeat: unionWords, set: setWords(allowed), dump: dumpWords,
		syntax: joinBar(allowed) + " ...", doc: doc}
}
