package recapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
)

// listAnswer is list's answer; "data" is Monibuca's name for the rows.
type listAnswer struct {
	Total int         `json:"total"`
	Page  int         `json:"page"`
	Size  int         `json:"size"`
	Data  []recording `json:"data"`
}

func (rq *request) list(sp string) {
	if sp == "" {
		fail(rq.w, http.StatusBadRequest, "list needs a stream path: list/{app}/{name}")
		return
	}
	q, err := parseListQuery(rq.r.URL.Query())
	if err != nil {
		fail(rq.w, http.StatusBadRequest, err.Error())
		return
	}
	q.StreamPath = sp
	rows, total, err := rq.api.o.Store.List(rq.ctx(), q)
	if err != nil {
		rq.internal(err)
		return
	}
	rq.api.current(rows)
	out := listAnswer{Total: total, Page: q.Page, Size: q.Size, Data: make([]recording, 0, len(rows))}
	for i := range rows {
		out.Data = append(out.Data, toJSON(&rows[i]))
	}
	if err := rq.api.withEvents(rq.ctx(), out.Data); err != nil {
		rq.internal(err)
		return
	}
	reply(rq.w, http.StatusOK, out)
}

// current replaces the size and duration of rows being recorded with the
// recorder's figures of now: the index is written at most every few
// seconds, the answer is exact.
func (a *API) current(rows []index.Recording) {
	if a.o.Recorder == nil {
		return
	}
	var open map[string]int
	for i := range rows {
		if _, remote := a.owner(&rows[i]); remote {
			continue // another node's file, at the same path maybe
		}
		if rows[i].Status == index.StatusRecording {
			if open == nil {
				open = map[string]int{}
			}
			open[rows[i].Path] = i
		}
	}
	if open == nil {
		return
	}
	for _, r := range a.o.Recorder.Recordings() {
		if i, ok := open[r.Path]; ok {
			rows[i].Size, rows[i].Duration = r.Size, r.Duration
		}
	}
}

// catalogEntry is one stream of the catalog.
type catalogEntry struct {
	StreamPath string   `json:"streamPath"`
	Count      int      `json:"count"`
	Size       int64    `json:"size"`
	Duration   float64  `json:"duration"`
	FirstStart string   `json:"firstStart"`
	LastStart  string   `json:"lastStart"`
	Formats    []string `json:"formats"`
	Events     int      `json:"events"`
}

func (rq *request) catalog() {
	cat, err := rq.api.o.Store.Catalog(rq.ctx())
	if err != nil {
		rq.internal(err)
		return
	}
	out := struct {
		Data []catalogEntry `json:"data"`
	}{Data: make([]catalogEntry, 0, len(cat))}
	for _, s := range cat {
		out.Data = append(out.Data, catalogEntry{StreamPath: s.StreamPath, Count: s.Count, Size: s.Size,
			Duration: s.Duration.Seconds(), FirstStart: stamp(s.FirstStart), LastStart: stamp(s.LastStart), Formats: s.Formats, Events: s.Events})
	}
	reply(rq.w, http.StatusOK, out)
}

func (rq *request) one(id int64) {
	r, ok := rq.row(id)
	if !ok {
		return
	}
	rows := []index.Recording{r}
	rq.api.current(rows)
	out := []recording{toJSON(&rows[0])}
	if err := rq.api.withEvents(rq.ctx(), out); err != nil {
		rq.internal(err)
		return
	}
	reply(rq.w, http.StatusOK, out[0])
}

// row fetches id, answering 404 or 500 itself when it cannot.
func (rq *request) row(id int64) (index.Recording, bool) {
	r, err := rq.api.o.Store.Get(rq.ctx(), id)
	if errors.Is(err, index.ErrNotFound) {
		fail(rq.w, http.StatusNotFound, err.Error())
		return r, false
	}
	if err != nil {
		rq.internal(err)
		return r, false
	}
	return r, true
}

// splitStreamPath finds the application: the longest configured
// application name that prefixes sp; the stream name is the rest and may
// contain "/".
func splitStreamPath(cfg *conf.Config, sp string) (app *conf.Application, name string) {
	if cfg == nil {
		return nil, ""
	}
	for _, srv := range cfg.Servers {
		for _, a := range srv.Applications {
			rest, ok := strings.CutPrefix(sp, a.Name+"/")
			if ok && rest != "" && (app == nil || len(a.Name) > len(app.Name)) {
				app, name = a, rest
			}
		}
	}
	return app, name
}
