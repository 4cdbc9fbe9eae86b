package control

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/rtmprecd/rtmprecd/httpd"
	"github.com/rtmprecd/rtmprecd/record"
)

// Eventer is the record module's event recording; *record.Module
// implements it. A Recorder without it answers record/event with 501.
type Eventer interface {
	Event(req record.EventRequest) (record.EventResult, error)
}

// event is .../record/event?app=&name=[&rec=]: record around now on an
// event recorder (`record ... event`), for nginx-style scripts. The
// event is described by the recordings API's names: eventId, eventName,
// eventDesc, eventLevel, beforeDuration (or before) and afterDuration
// (or after). 200 with the path of the file, and a second line when
// beforeDuration was clamped; 400 for a bad argument, 404 when the stream
// is not publishing or has no such recorder, 409 for a recorder without
// event, 501 without recording.
func (s *Server) event(w http.ResponseWriter, r *http.Request, sel *selector) {
	if sel.app == "" || sel.name == "" {
		httpd.Fail(w, http.StatusBadRequest, "record/event needs app and name")
		return
	}
	ev, ok := s.opts.Recorder.(Eventer)
	if s.opts.Recorder == nil || !ok {
		httpd.Fail(w, http.StatusNotImplemented, "event recording is not available")
		return
	}
	req, err := eventQuery(r.URL.Query())
	if err != nil {
		httpd.Fail(w, http.StatusBadRequest, err.Error())
		return
	}
	req.App, req.Name = sel.app, sel.name
	res, err := ev.Event(req)
	switch {
	case errors.Is(err, record.ErrNoStream), errors.Is(err, record.ErrNoRecorder):
		httpd.Fail(w, http.StatusNotFound, err.Error())
	case errors.Is(err, record.ErrNotEvent):
		httpd.Fail(w, http.StatusConflict, err.Error())
	case err != nil:
		s.log.Error("control: record event failed", "err", err)
		httpd.Fail(w, http.StatusInternalServerError, err.Error())
	case res.Clamped:
		writeText(w, http.StatusOK, fmt.Sprintf("%s\nbeforeDuration clamped to record_event_max_before %v\n", res.Path, res.Before))
	default:
		writeText(w, http.StatusOK, res.Path)
	}
}

// eventQuery reads an event's description from the query.
func eventQuery(q url.Values) (record.EventRequest, error) {
	req := record.EventRequest{ID: q.Get("eventId"), Title: q.Get("eventName"), Desc: q.Get("eventDesc")}
	if q.Has("rec") {
		rec := q.Get("rec")
		req.Recorder = &rec
	}
	var err error
	if req.Before, err = queryDuration(q, "beforeDuration", "before"); err != nil {
		return req, err
	}
	if req.After, err = queryDuration(q, "afterDuration", "after"); err != nil {
		return req, err
	}
	if v := q.Get("eventLevel"); v != "" {
		if req.Level, err = record.ParseEventLevel(v); err != nil {
			return req, err
		}
	}
	return req, nil
}

func queryDuration(q url.Values, name, alias string) (*time.Duration, error) {
	v := q.Get(name)
	if v == "" {
		v = q.Get(alias)
	}
	if v == "" {
		return nil, nil
	}
	d, err := record.ParseEventDuration(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &d, nil
}
