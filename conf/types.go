// Package conf gives meaning to a parsed configuration: one declarative
// directive table, typed values, inheritance rtmp → server → application →
// recorder, validation, and an immutable snapshot with a content hash.
//
// The types below are the snapshot that every other package reads. They are
// built once by Load and never modified afterwards; share them freely.
package conf

import (
	"path"
	"time"

	"github.com/lestrrat-go/strftime"

	"github.com/rtmprecd/rtmprecd/parser"
)

// Config is one immutable configuration snapshot.
type Config struct {
	File string // main configuration file as given
	Hash string // hex SHA-256 of the canonical dump; equal hashes mean equal meaning
	// Files are the configuration files Load read: File first, then every
	// included file in the order met, as opened; IncludeGlobs are the
	// include patterns with wildcards, resolved. The config watcher watches
	// their directories. Both nil from LoadBytes.
	Files        []string
	IncludeGlobs []string

	Pid             string        // pid FILE. Default: none.
	ErrorLog        string        // error_log FILE. Default: "" (stderr).
	ErrorLogLevel   string        // error_log FILE LEVEL. Default: "info".
	ConfigWatch     bool          // config_watch. Default: off.
	ShutdownTimeout time.Duration // shutdown_timeout. Default: 10s.
	// RecordIndex is the recordings index database. record_index.
	// Default: none (no index).
	RecordIndex string
	// CleanupInterval is record_cleanup_interval: the period of the
	// retention passes. Default: 1h.
	CleanupInterval time.Duration
	// NodeName and NodeURL name this node and its record_api location
	// in a PostgreSQL index shared by several nodes. node_name, node_url.
	// Default: "" (the daemon uses the host name) and none.
	NodeName, NodeURL string
	// ExecMaxChildren bounds the exec_* children running at once in the
	// whole process (rtmp block only). exec_max_children. Default: 32.
	ExecMaxChildren int
	// MaxConnections is max_connections in the rtmp block: the most RTMP
	// connections at once; 0 means auto (derived from RLIMIT_NOFILE by the
	// RTMP server). Default: auto.
	MaxConnections int

	Servers []*Server     // rtmp { server { } } blocks in source order
	HTTP    []*HTTPServer // http { server { } } blocks in source order

	Warnings []Warning // ignored directives, one per occurrence

	dump []byte // canonical dump, see Dump
}

// Warning is a non-fatal remark about the configuration, such as an nginx
// directive that rtmprecd accepts but ignores.
type Warning struct {
	Pos parser.Pos
	Msg string
}

// String formats the warning as nginx does: `MSG in FILE:LINE`.
func (w Warning) String() string { return w.Msg + " in " + w.Pos.FileLine() }

// Server is one rtmp server block with its merged core settings.
type Server struct {
	Index       int           // position among rtmp servers, for the control API's srv=
	Pos         parser.Pos    // the server block
	Listen      []Listen      // listen directives
	ChunkSize   int           // chunk_size. Default: 4096.
	MaxMessage  int64         // max_message. Default: 1M.
	Timeout     time.Duration // timeout. Default: 60s.
	Ping        time.Duration // ping. Default: 60s.
	PingTimeout time.Duration // ping_timeout. Default: 30s.
	MaxStreams  int           // max_streams. Default: 32.
	AckWindow   int64         // ack_window. Default: 5000000.
	// AccessLogs are the access logs of connections that name no
	// application (they end before connect, or name an unknown one).
	// access_log, inherited. Default: none.
	AccessLogs   []AccessLog
	Applications []*Application
}

// Listen is one listen directive, resolved to an address net.Listen takes.
type Listen struct {
	Addr string     // "host:port"; a bare port becomes ":port" (all interfaces)
	Pos  parser.Pos // for errors about binding it
}

// Application is one application block with everything inherited merged in.
type Application struct {
	Name              string
	Pos               parser.Pos    // the application block
	Live              bool          // live. Default: off.
	DropIdlePublisher time.Duration // drop_idle_publisher. Default: 0 (off).
	Access            []AccessRule  // allow/deny in order; first match wins, none = allow
	Notify            Notify
	Exec              Exec
	// AccessLogs get one line per connection to the application when it
	// closes. access_log, inherited. Default: none (nginx-rtmp's default
	// is logs/access.log in combined format).
	AccessLogs []AccessLog
	// Recorders are the named recorder blocks in source order, then the
	// application's inline recorder (Name "") when its record set is non-empty.
	Recorders []*Recorder
}

// Recorder lookups by name; "" is the inline recorder.
func (a *Application) Recorder(name string) *Recorder {
	for _, r := range a.Recorders {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// AccessRule is one allow or deny line.
type AccessRule struct {
	Allow   bool
	Publish bool   // applies to publish
	Play    bool   // applies to play
	All     bool   // matches every address
	CIDR    string // canonical prefix, e.g. "10.0.0.0/8" or "::1/128"
}

// RecordFlags is the OR of the words given to record.
type RecordFlags uint8

// Record flag bits, as nginx-rtmp's record directive.
const (
	RecordOff RecordFlags = 1 << iota
	RecordAudio
	RecordVideo
	RecordKeyframes
	RecordManual
	// RecordEvent records only around events (record_event_*): the
	// recorder keeps a pre-roll and opens a file per event request.
	RecordEvent
)

// Has reports whether every bit of f2 is set.
func (f RecordFlags) Has(f2 RecordFlags) bool { return f&f2 == f2 }

// Recorder is one recorder node's merged settings.
type Recorder struct {
	Name  string      // "" for the application's inline recorder
	Pos   parser.Pos  // recorder block, or the effective record line of the inline recorder
	Flags RecordFlags // record. Default: empty (not recording).
	Path  string      // record_path. Default: "" (a config error when recording).
	// Suffix is record_suffix as written. Default: ".flv", ".mp4" for the
	// MP4 formats.
	Suffix string
	// MoovRoom is record_moov_room: the media duration the moov room of an
	// mp4 file covers. Default: 1h.
	MoovRoom time.Duration
	// HLSSegmentType is record_hls_segment_type: "fmp4" (default) or
	// "mpegts"; HLSFragment and HLSMaxFragment are record_hls_fragment
	// (default 6s) and record_hls_max_fragment (default 0: three times
	// the fragment).
	HLSSegmentType              string
	HLSFragment, HLSMaxFragment time.Duration
	// SuffixFormat is the compiled strftime pattern when Suffix contains '%', else nil.
	SuffixFormat *strftime.Strftime
	Unique       bool          // record_unique. Default: off.
	Append       bool          // record_append. Default: off.
	Lock         bool          // record_lock. Default: off.
	MaxSize      int64         // record_max_size in bytes. Default: 0 (unlimited).
	MaxFrames    int64         // record_max_frames. Default: 0 (unlimited).
	Interval     time.Duration // record_interval. Default: unset (IntervalSet false).
	IntervalSet  bool          // record_interval was given (0 means every break frame)
	Notify       bool          // record_notify. Default: off.
	Fsync        bool          // record_fsync. Default: off.
	Format       string        // record_format: the container (RecordFormats). Default: "flv".
	OnRecordDone string        // on_record_done URL. Default: none.
	// EventBefore and EventAfter are the pre- and post-roll of an event
	// request that gives none (record_event_before, record_event_after).
	// Default: 30s each.
	EventBefore, EventAfter time.Duration
	// EventMaxBefore is what the pre-roll of an event recorder holds and
	// the most a request may ask (record_event_max_before). Default: 60s.
	EventMaxBefore time.Duration
	// Spool is the directory of the pre-roll ring files (record_spool).
	// Default: "" = SpoolDir(): .rtmprecd-spool under record_path.
	Spool string
	// SpoolMaxSize bounds one stream's pre-roll ring file in bytes
	// (record_spool_max_size). Default: 256 MiB.
	SpoolMaxSize int64
	// ExecRecordDone are the exec_record_done commands; additive over levels.
	ExecRecordDone []Command
	// IntervalAlign is record_interval_align: files split at multiples of
	// Interval in Location's wall-clock time. Default: off.
	IntervalAlign bool
	// Timezone is record_timezone as written; Location is the zone of
	// schedules, aligned intervals and strftime verbs. Default: "" and
	// time.Local.
	Timezone string
	Location *time.Location
	// Schedules are the record_schedule windows; a recorder with any
	// records only inside their union. Default: none (always).
	Schedules []Window
	// Streams is record_streams: the stream names recorded. Default: nil (all).
	Streams *StreamFilter
	// PathTemplate and SuffixTemplate are record_path and record_suffix
	// compiled when they hold variables (record_path also strftime
	// verbs); nil when they are plain text.
	PathTemplate   *PathTemplate
	SuffixTemplate *PathTemplate
	// Retention are the record_max_age family's rules. Default: all off.
	Retention Retention
}

// Zone is the recorder's time zone: record_timezone, else time.Local.
func (r *Recorder) Zone() *time.Location {
	if r.Location != nil {
		return r.Location
	}
	return time.Local
}

// RootDir is the directory the recorder writes below: record_path, or
// its part before the first variable or verb.
func (r *Recorder) RootDir() string {
	if r.PathTemplate != nil {
		return r.PathTemplate.Root
	}
	return r.Path
}

// DefaultSpoolDir is the pre-roll spool directory's name under
// the recording root (record_path's static prefix) when record_spool is
// not set.
const DefaultSpoolDir = ".rtmprecd-spool"

// SpoolDir is the directory of the recorder's pre-roll ring files.
func (r *Recorder) SpoolDir() string {
	if r.Spool != "" {
		return r.Spool
	}
	return path.Join(r.RootDir(), DefaultSpoolDir)
}

// Command is one exec_* command line, unexpanded.
type Command struct {
	Args []string
	Pos  parser.Pos
}

// Notify holds the on_* callbacks and their settings for an application.
type Notify struct {
	OnConnect      string        // on_connect. Default: none.
	OnPublish      string        // on_publish. Default: none.
	OnPublishDone  string        // on_publish_done. Default: none.
	OnDone         string        // on_done. Default: none.
	OnUpdate       string        // on_update. Default: none.
	Method         string        // notify_method. Default: "post".
	UpdateTimeout  time.Duration // notify_update_timeout. Default: 30s.
	UpdateStrict   bool          // notify_update_strict. Default: off.
	NetcallTimeout time.Duration // netcall_timeout. Default: 10s.
}

// Exec holds the exec_* commands for an application.
type Exec struct {
	Publish     []Command // exec_publish
	PublishDone []Command // exec_publish_done
	// Timeout kills a command (exec_publish, exec_publish_done and the
	// application's exec_record_done) still running after it. exec_timeout.
	// Default: 0 (no limit).
	Timeout time.Duration
}

// HTTPServer is one http server block.
type HTTPServer struct {
	Pos          parser.Pos // the server block
	Listen       []Listen
	ControlToken string // control_token. Default: none.
	// Root serves files for requests that no location matches, as nginx
	// does with a server-level root (root, inherited). Default: none.
	Root      string
	Locations []*Location
}

// Location is one location block of an http server.
type Location struct {
	Path           string
	Control        []string // rtmp_control words (all, record, drop, redirect)
	Stat           []string // rtmp_stat words
	StatStylesheet string   // rtmp_stat_stylesheet, inherited. Default: none.
	Metrics        bool     // rtmp_metrics. Default: off.
	PerStream      bool     // metrics_per_stream. Default: off.
	RecordAPI      bool     // record_api. Default: off.
	RecordConsole  bool     // record_console. Default: off.
	// ExportMax is record_export_max, the longest range of an export of
	// the record_api. Default: 24h.
	ExportMax time.Duration
	// ExportLimit is record_export_concurrency, how many exports of the
	// record_api run at once. Default: 4.
	ExportLimit  int
	ControlToken string // control_token, inherited from the server. Default: none.
	// Root is the directory files are served from, the request path
	// appended (root, inherited); Alias is the directory the path after the
	// location's prefix is appended to (alias). At most one is set; an
	// alias replaces an inherited root. Default: none (no files).
	Root  string
	Alias string
}
