package recapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/record"
)

// controlRequest is start's and stop's optional body (or query).
type controlRequest struct {
	Recorder *string
	Duration time.Duration // start: stop after it; 0 = until stop
}

// maxManualDuration bounds start's duration.
const maxManualDuration = 7 * 24 * time.Hour

// parseControl reads recorder and duration from the query, then from a
// JSON body {"recorder": "...", "duration": "30s" | 30}.
func parseControl(r *http.Request) (controlRequest, error) {
	var out controlRequest
	q := r.URL.Query()
	if q.Has("recorder") {
		rec := q.Get("recorder")
		out.Recorder = &rec
	}
	dur := q.Get("duration")
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return out, fmt.Errorf("body: %v", err)
	}
	if len(strings.TrimSpace(string(b))) > 0 {
		var body struct {
			Recorder *string         `json:"recorder"`
			Duration json.RawMessage `json:"duration"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return out, fmt.Errorf("body: %v", err)
		}
		if body.Recorder != nil {
			out.Recorder = body.Recorder
		}
		if len(body.Duration) > 0 {
			dur = strings.Trim(string(body.Duration), `"`)
		}
	}
	out.Duration, err = parseDuration(dur)
	return out, err
}

// parseDuration reads a Go duration ("90s", "1m30s") or seconds.
func parseDuration(s string) (time.Duration, error) {
	if s == "" || s == "null" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(secs) || secs > maxManualDuration.Seconds() {
			return 0, fmt.Errorf("duration must be like 90s or a number of seconds up to %v, got %s", maxManualDuration, quote(s))
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d <= 0 || d > maxManualDuration {
		return 0, fmt.Errorf("duration must be above 0 and at most %v, got %s", maxManualDuration, quote(s))
	}
	return d, nil
}

// target resolves the stream path and recorder of start or stop,
// answering the error itself.
func (rq *request) target(sp string, c controlRequest) (app *conf.Application, name, rec string, ok bool) {
	if rq.api.o.Recorder == nil {
		fail(rq.w, http.StatusNotImplemented, "recording is not available")
		return nil, "", "", false
	}
	app, name = splitStreamPath(rq.api.o.Config(), sp)
	if app == nil {
		fail(rq.w, http.StatusNotFound, "no configured application prefixes the stream path "+quote(sp))
		return nil, "", "", false
	}
	if c.Recorder != nil {
		if app.Recorder(*c.Recorder) == nil {
			fail(rq.w, http.StatusNotFound, fmt.Sprintf("application %s has no recorder %s", app.Name, quote(*c.Recorder)))
			return nil, "", "", false
		}
		return app, name, *c.Recorder, true
	}
	for _, r := range app.Recorders {
		if r.Flags.Has(conf.RecordManual) {
			return app, name, r.Name, true
		}
	}
	fail(rq.w, http.StatusConflict, "application "+app.Name+" has no manual recorder: name one with recorder=")
	return nil, "", "", false
}

// controlTarget reads a start or stop request and resolves its target,
// answering any error itself.
func (rq *request) controlTarget(sp string) (c controlRequest, app *conf.Application, name, rec string, ok bool) {
	c, err := parseControl(rq.r)
	if err != nil {
		fail(rq.w, http.StatusBadRequest, err.Error())
		return c, nil, "", "", false
	}
	app, name, rec, ok = rq.target(sp, c)
	return c, app, name, rec, ok
}

func (rq *request) start(sp string) {
	c, app, name, rec, ok := rq.controlTarget(sp)
	if !ok {
		return
	}
	path, err := rq.api.o.Recorder.Start(app.Name, name, rec)
	if err != nil {
		rq.controlFailed(err)
		return
	}
	if c.Duration > 0 {
		rq.api.stopLater(app.Name, name, rec, path, c.Duration)
	}
	rq.answerRow(path, index.StatusRecording)
}

func (rq *request) stop(sp string) {
	_, app, name, rec, ok := rq.controlTarget(sp)
	if !ok {
		return
	}
	path, err := rq.api.o.Recorder.Stop(app.Name, name, rec)
	if err != nil {
		rq.controlFailed(err)
		return
	}
	rq.answerRow(path, index.StatusDone)
}

// stopLater stops the recording at path after d, unless it already ended.
func (a *API) stopLater(app, name, rec, path string, d time.Duration) {
	time.AfterFunc(d, func() {
		for _, r := range a.o.Recorder.Recordings() {
			if r.Path == path && r.Recorder == rec {
				if _, err := a.o.Recorder.Stop(app, name, rec); err != nil {
					a.log.Warn("record api: timed stop failed", "path", path, "err", err)
				}
				return
			}
		}
	})
}

func (rq *request) controlFailed(err error) {
	switch {
	case errors.Is(err, record.ErrNoStream), errors.Is(err, record.ErrNoRecorder):
		fail(rq.w, http.StatusNotFound, err.Error())
	case errors.Is(err, record.ErrAlreadyRecording), errors.Is(err, record.ErrNotRecording):
		fail(rq.w, http.StatusConflict, err.Error())
	default:
		rq.internal(err)
	}
}

// answerRow waits for the index writer, then answers the row of path.
func (rq *request) answerRow(path string, want index.Status) {
	if w := rq.api.o.Writer; w != nil {
		ctx, cancel := context.WithTimeout(rq.ctx(), 5*time.Second)
		defer cancel()
		w.Sync(ctx)
	}
	r, err := rq.api.o.Store.Live(rq.ctx(), path)
	if errors.Is(err, index.ErrNotFound) && want == index.StatusDone {
		fail(rq.w, http.StatusUnprocessableEntity, "nothing was recorded: "+path+" got no media and was removed")
		return
	}
	if err != nil {
		rq.internal(fmt.Errorf("the row of %s: %w", path, err))
		return
	}
	rows := []index.Recording{r}
	rq.api.current(rows)
	reply(rq.w, http.StatusOK, toJSON(&rows[0]))
}
