// Package control serves nginx-rtmp's control API (`.../record/start|stop`,
// `.../drop/...`, `.../redirect/...`), our `/control/status` and
// `/control/reload`, and nginx-rtmp's `/stat` XML (plus `?format=json`),
// as routes of the one HTTP router (package httpd) for the location
// directives rtmp_control and rtmp_stat. Handlers are thin: they select
// sessions from the RTMP registry and call the record module and the
// daemon's reload funnel through small interfaces.
//
// Usage:
//
//	meter := &control.Module{} // anywhere in the rtmp module list (naccepted)
//	api := control.New(control.Options{Registry: srv.Registry(), Recorder: rec,
//		Reloader: d, Meter: meter, Version: version, Logger: log})
//	router := httpd.New(httpd.Options{Routes: api.Routes(), Logger: log})
package control

import (
	"log/slog"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/httpd"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// Registry lists the RTMP sessions; *rtmp.Registry implements it. A
// Registry that also has BytesIn() uint64 (the bytes received by every
// connection since start, as *rtmp.Registry) gives /stat its global
// bytes_in; otherwise that is the sum of the streams' figures.
type Registry interface {
	Sessions() []*rtmp.Session
}

// byteCounter is the optional BytesIn of a Registry.
type byteCounter interface {
	BytesIn() uint64
}

// Recorder is the record module's manual control; *record.Module
// implements it. Start and Stop return record's sentinel errors
// (ErrNoStream, ErrNoRecorder, ErrAlreadyRecording, ErrNotRecording).
type Recorder interface {
	Start(app, name, rec string) (string, error)
	Stop(app, name, rec string) (string, error)
	Recordings() []record.Recording
}

// Reloader is the daemon's reload funnel. Reload loads and applies the
// configuration file and returns once that is done; its error says why the
// running configuration was kept. ConfigStatus reports the running
// configuration and the outcome of the last reload.
type Reloader interface {
	Reload() error
	ConfigStatus() ConfigStatus
}

// Options configures a Server.
type Options struct {
	Registry Registry // required
	Recorder Recorder // nil: record endpoints answer 501
	Reloader Reloader // nil: reload answers 501, status has no config
	Meter    *Module  // nil: no byte counts or bandwidth, drop does not wait
	Version  string   // reported by /stat (nginx_rtmp_version) and status
	Logger   *slog.Logger
	// Started is the daemon's start, for uptime. Default: New's time.
	Started time.Time
	// DropWait bounds how long drop waits for the dropped publishers'
	// recordings to be finished, and how long one redirect call may take
	// for all its publishers. Default: 10s.
	DropWait time.Duration
}

// Server answers the control API and /stat.
type Server struct {
	opts Options
	log  *slog.Logger
}

// New returns a Server; its Routes serve nothing until a router listens.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Started.IsZero() {
		opts.Started = time.Now()
	}
	if opts.DropWait <= 0 {
		opts.DropWait = 10 * time.Second
	}
	return &Server{opts: opts, log: opts.Logger}
}

// Routes are the router entries of the control API (rtmp_control) and of
// /stat (rtmp_stat), in that precedence. Both are sensitive: the control
// API drops and redirects publishers and reloads the configuration, /stat
// reveals stream names, client addresses and file paths.
func (s *Server) Routes() []httpd.Route {
	return []httpd.Route{
		{Directive: "rtmp_control", Sensitive: true, Serve: s.control,
			Serves: func(loc *conf.Location) bool { return len(loc.Control) > 0 }},
		{Directive: "rtmp_stat", Sensitive: true, Serve: s.stat,
			Serves: func(loc *conf.Location) bool { return len(loc.Stat) > 0 }},
	}
}
