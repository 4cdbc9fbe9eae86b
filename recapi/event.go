package recapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/record"
)

// Eventer is the record module's event recording; *record.Module
// implements it. A Recorder without it answers event/start with 501.
type Eventer interface {
	Event(req record.EventRequest) (record.EventResult, error)
}

// eventBody is Monibuca's event/start body, taken verbatim: durations as
// strings ("30s", "1m", "30") or numbers of seconds, the level as a
// number or a numeric string. recorder is ours.
type eventBody struct {
	StreamPath     string          `json:"streamPath"`
	EventID        string          `json:"eventId"`
	EventName      string          `json:"eventName"`
	EventDesc      string          `json:"eventDesc"`
	EventLevel     json.RawMessage `json:"eventLevel"`
	BeforeDuration json.RawMessage `json:"beforeDuration"`
	AfterDuration  json.RawMessage `json:"afterDuration"`
	Recorder       *string         `json:"recorder"`
}

// eventAnswer is event/start's answer.
type eventAnswer struct {
	StreamPath  string  `json:"streamPath"`
	Recorder    string  `json:"recorder"`
	EventID     string  `json:"eventId"`
	FilePath    string  `json:"filePath"`
	RecordingID *int64  `json:"recordingId"`
	Before      float64 `json:"beforeDuration"`
	After       float64 `json:"afterDuration"`
	Clamped     bool    `json:"clamped"`
	Extended    bool    `json:"extended"`
	Offset      float64 `json:"offset"`
	TriggerTime string  `json:"triggerTime"`
	Message     string  `json:"message"`
}

// event routes event/start.
func (rq *request) event(tail string) {
	if tail != "start" {
		fail(rq.w, http.StatusNotFound, "no such API call: "+rq.rest+"; use event/start")
		return
	}
	rq.post(rq.eventStart)
}

func (rq *request) eventStart() {
	ev, ok := rq.api.o.Recorder.(Eventer)
	if rq.api.o.Recorder == nil || !ok {
		fail(rq.w, http.StatusNotImplemented, "event recording is not available")
		return
	}
	b, err := io.ReadAll(rq.r.Body)
	if err != nil {
		fail(rq.w, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	req, sp, err := parseEventBody(b)
	if err != nil {
		fail(rq.w, http.StatusBadRequest, err.Error())
		return
	}
	app, name := splitStreamPath(rq.api.o.Config(), sp)
	if app == nil {
		fail(rq.w, http.StatusNotFound, "no configured application prefixes the stream path "+quote(sp))
		return
	}
	req.App, req.Name = app.Name, name
	res, err := ev.Event(req)
	if err != nil {
		rq.eventFailed(err)
		return
	}
	reply(rq.w, http.StatusOK, rq.eventAnswer(sp, &req, &res, app.Recorder(res.Recorder).EventMaxBefore))
}

// parseEventBody reads Monibuca's body.
func parseEventBody(b []byte) (record.EventRequest, string, error) {
	var body eventBody
	var req record.EventRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&body); err != nil {
		return req, "", fmt.Errorf("body: %v", err)
	}
	if body.StreamPath == "" {
		return req, "", errors.New("streamPath is required: app/name")
	}
	req.ID, req.Title, req.Desc, req.Recorder = body.EventID, body.EventName, body.EventDesc, body.Recorder
	var err error
	if req.Before, err = jsonDuration("beforeDuration", body.BeforeDuration); err != nil {
		return req, "", err
	}
	if req.After, err = jsonDuration("afterDuration", body.AfterDuration); err != nil {
		return req, "", err
	}
	if s := jsonScalar(body.EventLevel); s != "" {
		if req.Level, err = record.ParseEventLevel(s); err != nil {
			return req, "", err
		}
	}
	return req, body.StreamPath, nil
}

// jsonScalar is a JSON string's text or a number's digits; "" for null
// or absent.
func jsonScalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if t := string(bytes.TrimSpace(raw)); t != "null" {
		return t
	}
	return ""
}

func jsonDuration(name string, raw json.RawMessage) (*time.Duration, error) {
	s := jsonScalar(raw)
	if s == "" {
		return nil, nil
	}
	d, err := record.ParseEventDuration(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &d, nil
}

func (rq *request) eventFailed(err error) {
	switch {
	case errors.Is(err, record.ErrNoStream), errors.Is(err, record.ErrNoRecorder):
		fail(rq.w, http.StatusNotFound, err.Error())
	case errors.Is(err, record.ErrNotEvent):
		fail(rq.w, http.StatusConflict, err.Error())
	default:
		rq.internal(err)
	}
}

// eventAnswer describes res, with the file's row id once the index
// writer has written it.
func (rq *request) eventAnswer(sp string, req *record.EventRequest, res *record.EventResult, maxBefore time.Duration) eventAnswer {
	out := eventAnswer{StreamPath: sp, Recorder: res.Recorder, EventID: req.ID, FilePath: res.Path,
		Before: res.Before.Seconds(), After: res.After.Seconds(), Clamped: res.Clamped, Extended: res.Extended,
		Offset: res.Offset.Seconds(), TriggerTime: stamp(res.Trigger)}
	switch {
	case res.Clamped:
		out.Message = fmt.Sprintf("beforeDuration clamped to record_event_max_before %v", maxBefore)
	case res.Extended:
		out.Message = "the event extends the recording in progress"
	default:
		out.Message = "recording the event"
	}
	if res.Path == "" {
		return out
	}
	if w := rq.api.o.Writer; w != nil {
		ctx, cancel := context.WithTimeout(rq.ctx(), 5*time.Second)
		defer cancel()
		w.Sync(ctx)
	}
	if r, err := rq.api.o.Store.Live(rq.ctx(), res.Path); err == nil {
		out.RecordingID = &r.ID
	}
	return out
}

// event is an events row as the API answers it.
type event struct {
	ID          int64   `json:"id"`
	RecordingID int64   `json:"recordingId"`
	StreamPath  string  `json:"streamPath"`
	Recorder    string  `json:"recorder"`
	FilePath    string  `json:"filePath"`
	EventID     string  `json:"eventId"`
	EventName   string  `json:"eventName"`
	EventDesc   string  `json:"eventDesc"`
	EventLevel  int     `json:"eventLevel"`
	TriggerTime string  `json:"triggerTime"`
	Offset      float64 `json:"offset"`
	Before      float64 `json:"beforeDuration"`
	After       float64 `json:"afterDuration"`
	// Pins are the ids of the recordings without event fields of the
	// stream that the event overlaps: the continuous footage it keeps
	// from retention (record_keep_level, record_event_max_age).
	Pins []int64 `json:"pins"`
}

func eventJSON(e *index.Event) event {
	return event{ID: e.ID, RecordingID: e.RecordingID, StreamPath: e.StreamPath, Recorder: e.Recorder, FilePath: e.Path,
		EventID: e.EventID, EventName: e.Name, EventDesc: e.Desc, EventLevel: e.Level, TriggerTime: stamp(e.Trigger),
		Offset: e.Offset.Seconds(), Before: e.Before.Seconds(), After: e.After.Seconds(), Pins: []int64{}}
}

// withPins sets the recordings each event pins, from one query.
func (a *API) withPins(ctx context.Context, evs []*event) error {
	rt, ok := a.o.Store.(index.Retainer)
	if !ok || len(evs) == 0 {
		return nil
	}
	ids := make([]int64, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	pins, err := rt.EventPins(ctx, ids)
	if err != nil {
		return err
	}
	for _, e := range evs {
		if p := pins[e.ID]; p != nil {
			e.Pins = p
		}
	}
	return nil
}

// eventsAnswer is events' answer.
type eventsAnswer struct {
	Total int     `json:"total"`
	Page  int     `json:"page"`
	Size  int     `json:"size"`
	Data  []event `json:"data"`
}

// events is GET events[/{streamPath}]: the events recorded, newest first.
func (rq *request) events(sp string) {
	q := rq.r.URL.Query()
	lq, err := parseListQuery(q)
	if err != nil {
		fail(rq.w, http.StatusBadRequest, err.Error())
		return
	}
	eq := index.EventQuery{StreamPath: sp, EventID: param(q, "eventId"), Start: lq.Start, End: lq.End, Page: lq.Page, Size: lq.Size}
	rows, total, err := rq.api.o.Store.Events(rq.ctx(), eq)
	if err != nil {
		rq.internal(err)
		return
	}
	out := eventsAnswer{Total: total, Page: eq.Page, Size: eq.Size, Data: make([]event, 0, len(rows))}
	refs := make([]*event, len(rows))
	for i := range rows {
		out.Data = append(out.Data, eventJSON(&rows[i]))
	}
	for i := range out.Data {
		refs[i] = &out.Data[i]
	}
	if err := rq.api.withPins(rq.ctx(), refs); err != nil {
		rq.internal(err)
		return
	}
	reply(rq.w, http.StatusOK, out)
}

// withEvents sets the events of each row of out, from one query.
func (a *API) withEvents(ctx context.Context, out []recording) error {
	ids := make([]int64, 0, len(out))
	at := make(map[int64]int, len(out))
	for i := range out {
		if out[i].EventID != "" { // only rows with an event have event rows
			ids = append(ids, out[i].ID)
			at[out[i].ID] = i
		}
	}
	if len(ids) == 0 {
		return nil
	}
	evs, _, err := a.o.Store.Events(ctx, index.EventQuery{RecordingIDs: ids})
	if err != nil {
		return err
	}
	for i := len(evs) - 1; i >= 0; i-- { // oldest first within a file
		r := &out[at[evs[i].RecordingID]]
		r.Events = append(r.Events, eventJSON(&evs[i]))
	}
	var refs []*event
	for i := range out {
		for j := range out[i].Events {
			refs = append(refs, &out[i].Events[j])
		}
	}
	return a.withPins(ctx, refs)
}
