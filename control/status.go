package control

import (
	"encoding/json"
	"net/http"
	"os"
	"time"

	"github.com/rtmprecd/rtmprecd/httpd"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// ConfigStatus is the running configuration and the last reload, as the
// daemon reports it.
type ConfigStatus struct {
	// Generation is 1 for the configuration the daemon started with and
	// grows with every reload that applied a changed configuration.
	Generation   int       `json:"generation"`
	Hash         string    `json:"hash"`
	File         string    `json:"file"`
	LoadedAt     time.Time `json:"loaded_at"`
	LastReloadAt time.Time `json:"last_reload_at,omitzero"`
	LastResult   string    `json:"last_result,omitempty"` // applied, unchanged or failed
	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
}

// Status is the answer of GET /control/status.
type Status struct {
	Version  string          `json:"version"`
	PID      int             `json:"pid"`
	UptimeMS int64           `json:"uptime_ms"`
	Config   *ConfigStatus   `json:"config,omitempty"`
	Sessions []SessionStatus `json:"sessions"`
}

// SessionStatus is one RTMP connection.
type SessionStatus struct {
	ID         uint64 `json:"id"`
	Server     int    `json:"srv"`
	App        string `json:"app,omitempty"`
	Name       string `json:"name,omitempty"` // the stream published, if any
	Addr       string `json:"addr"`
	FlashVer   string `json:"flashver,omitempty"`
	Publishing bool   `json:"publishing"`
	// BytesIn is every byte received on the connection (handshake,
	// chunk headers, commands and media), as nginx-rtmp's per-connection
	// counter: it does not restart with a new publish or a redirect.
	BytesIn uint64 `json:"bytes_in"`
	// BWIn is the current publish's media bandwidth in bits/s over the
	// last bandwidth window.
	BWIn       uint64            `json:"bw_in"`
	UptimeMS   int64             `json:"uptime_ms"`
	Recordings []RecordingStatus `json:"recordings"`
	// Schedules are the publish's recorders with record_schedule: open
	// now or not, and the window span open now or next.
	Schedules []ScheduleStatus `json:"schedules,omitempty"`
}

// ScheduleStatus is one scheduled recorder of a publish.
type ScheduleStatus struct {
	Recorder string `json:"recorder"`
	Open     bool   `json:"open"`
	// Start and End bound the union of windows open now or opening next;
	// absent when none opens again.
	Start *time.Time `json:"start,omitempty"`
	End   *time.Time `json:"end,omitempty"`
}

// windowLister is the record module's schedule status; optional, so a
// Recorder without schedules need not implement it.
type windowLister interface {
	Windows() []record.Window
}

// RecordingStatus is one open file.
type RecordingStatus struct {
	Recorder   string    `json:"recorder"`
	Path       string    `json:"path"`
	Size       int64     `json:"size"`
	DurationMS int64     `json:"duration_ms"`
	OpenedAt   time.Time `json:"opened_at"`
}

// ReloadResult is the answer of POST /control/reload.
type ReloadResult struct {
	OK     bool          `json:"ok"`
	Error  string        `json:"error,omitempty"`
	Config *ConfigStatus `json:"config"`
}

// Status collects the daemon's status now.
func (s *Server) Status() Status {
	now := time.Now()
	st := Status{
		Version:  s.opts.Version,
		PID:      os.Getpid(),
		UptimeMS: now.Sub(s.opts.Started).Milliseconds(),
		Sessions: []SessionStatus{},
	}
	if s.opts.Reloader != nil {
		cs := s.opts.Reloader.ConfigStatus()
		st.Config = &cs
	}
	recs := s.recordings()
	wins := s.windows()
	for _, sess := range s.opts.Registry.Sessions() {
		ss := s.sessionStatus(sess, now, recs[sess.ID()])
		ss.Schedules = wins[sess.ID()]
		st.Sessions = append(st.Sessions, ss)
	}
	return st
}

func (s *Server) sessionStatus(sess *rtmp.Session, now time.Time, recs []record.Recording) SessionStatus {
	ss := SessionStatus{
		ID: sess.ID(), Server: sess.Server().Index, Addr: sess.Addr(),
		UptimeMS: now.Sub(sess.Started()).Milliseconds(), Recordings: []RecordingStatus{},
	}
	if app := sess.App(); app != nil {
		ss.App = app.Name
	}
	if c := sess.Connect(); c != nil {
		ss.FlashVer = c.FlashVer
	}
	if p := sess.Publish(); p != nil {
		ss.Name, ss.Publishing = p.Name, true
	}
	ss.BytesIn = sess.BytesIn()
	if mt := s.opts.Meter.Meter(sess); mt != nil {
		ss.BWIn, _, _ = mt.Bandwidth()
	}
	for _, r := range recs {
		ss.Recordings = append(ss.Recordings, RecordingStatus{
			Recorder: r.Recorder, Path: r.Path, Size: r.Size,
			DurationMS: r.Duration.Milliseconds(), OpenedAt: r.Opened,
		})
	}
	return ss
}

// recordings indexes the open files by session.
func (s *Server) recordings() map[uint64][]record.Recording {
	out := map[uint64][]record.Recording{}
	if s.opts.Recorder == nil {
		return out
	}
	for _, r := range s.opts.Recorder.Recordings() {
		out[r.Session] = append(out[r.Session], r)
	}
	return out
}

// windows indexes the scheduled recorders by session.
func (s *Server) windows() map[uint64][]ScheduleStatus {
	out := map[uint64][]ScheduleStatus{}
	wl, ok := s.opts.Recorder.(windowLister)
	if !ok {
		return out
	}
	for _, w := range wl.Windows() {
		ss := ScheduleStatus{Recorder: w.Recorder, Open: w.Open}
		if !w.Start.IsZero() {
			ss.Start, ss.End = &w.Start, &w.End
		}
		out[w.Session] = append(out[w.Session], ss)
	}
	return out
}

func (s *Server) status(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, s.Status())
}

// reload runs the daemon's reload funnel: 200 when the configuration
// runs (changed or not), 422 with the reason when it was kept.
func (s *Server) reload(w http.ResponseWriter) {
	if s.opts.Reloader == nil {
		httpd.Fail(w, http.StatusNotImplemented, "reload is not available")
		return
	}
	err := s.opts.Reloader.Reload()
	cs := s.opts.Reloader.ConfigStatus()
	res := ReloadResult{OK: err == nil, Config: &cs}
	code := http.StatusOK
	if err != nil {
		res.Error, code = err.Error(), http.StatusUnprocessableEntity
	}
	writeJSON(w, code, res)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		httpd.Fail(w, http.StatusInternalServerError, "encoding status: "+err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}
