package recapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/playback"
)

// Export defaults (record_export_max, record_export_concurrency).
const (
	DefaultExportMax         = 24 * time.Hour
	DefaultExportConcurrency = 4
	exportRetryAfter         = "5"
)

// exportContentTypes by export format.
var exportContentTypes = map[string]string{"mp4": "video/mp4", "fmp4": "video/mp4", "flv": "video/x-flv"}

// exportRange reads start, end or duration of an export or timeline.
func (rq *request) exportRange(q url.Values) (start, end time.Time, ok bool) {
	start, err := parseTime("start", q.Get("start"))
	if err == nil {
		end, err = parseTime("end", q.Get("end"))
	}
	if err == nil && end.IsZero() && q.Get("duration") != "" {
		var d time.Duration
		if d, err = time.ParseDuration(q.Get("duration")); err != nil {
			if s, e := strconv.ParseFloat(q.Get("duration"), 64); e == nil && s > 0 {
				d, err = time.Duration(s*float64(time.Second)), nil
			}
		}
		end = start.Add(d)
	}
	switch {
	case err != nil:
		fail(rq.w, http.StatusBadRequest, err.Error())
	case start.IsZero() || end.IsZero():
		fail(rq.w, http.StatusBadRequest, "start and end (or duration) are required")
	case !end.After(start):
		fail(rq.w, http.StatusBadRequest, "end must be after start")
	default:
		return start, end, true
	}
	return start, end, false
}

// export serves export/{streamPath}: the range as one file.
func (rq *request) export(streamPath string) {
	q := rq.r.URL.Query()
	start, end, ok := rq.exportRange(q)
	if !ok {
		return
	}
	format := q.Get("format")
	if format == "" {
		format = "mp4"
	}
	if _, ok := exportContentTypes[format]; !ok {
		fail(rq.w, http.StatusBadRequest, "format must be mp4, fmp4 or flv, got "+quote(format))
		return
	}
	if max := rq.limits.max(); end.Sub(start) > max {
		fail(rq.w, http.StatusUnprocessableEntity, fmt.Sprintf("the range is longer than record_export_max %s", max))
		return
	}
	release, ok := rq.api.acquireExport(rq.prefix, rq.limits)
	if !ok {
		rq.w.Header().Set("Retry-After", exportRetryAfter)
		fail(rq.w, http.StatusTooManyRequests, "record_export_concurrency exports are running; retry later")
		return
	}
	defer release()
	p, ok := rq.plan(streamPath, start, end, q)
	if !ok {
		return
	}
	defer p.Close()
	if q.Get("info") == "1" {
		rq.exportInfo(p)
		return
	}
	rq.exportHeaders(p, streamPath, format)
	if rq.r.Method == http.MethodHead && format != "mp4" {
		rq.w.WriteHeader(http.StatusOK) // a streamed export has no length to tell without making it
		return
	}
	rq.serveExport(p, format)
}

// plan builds the plan of a request, answering the errors.
func (rq *request) plan(streamPath string, start, end time.Time, q url.Values) (*playback.Plan, bool) {
	req := playback.Request{StreamPath: strings.Trim(streamPath, "/"), Start: start, End: end, Files: rq.rowFiles}
	if q.Has("recorder") {
		r := q.Get("recorder")
		req.Recorder = &r
	}
	p, err := playback.NewPlan(rq.ctx(), rq.api.o.Store, req)
	switch {
	case errors.Is(err, playback.ErrNothing) && p != nil && !p.Rest.IsZero():
		rq.w.Header().Set("X-Export-Rest", stamp(p.Rest))
		fail(rq.w, http.StatusConflict, "the codec changes at "+stamp(p.Rest)+", before any media of the range")
	case errors.Is(err, playback.ErrNothing):
		fail(rq.w, http.StatusNotFound, "no recording of "+req.StreamPath+" covers the range")
	case errors.Is(err, playback.ErrUnsupported):
		fail(rq.w, http.StatusUnprocessableEntity, err.Error())
	case isNodeError(err):
		rq.badGateway(err)
	case err != nil:
		rq.internal(err)
	default:
		return p, true
	}
	return nil, false
}

// exportHeaders sets the file name, gaps and the codec-change header.
func (rq *request) exportHeaders(p *playback.Plan, streamPath, format string) {
	h := rq.w.Header()
	h.Set("Content-Type", exportContentTypes[format])
	ext := map[string]string{"mp4": ".mp4", "fmp4": ".mp4", "flv": ".flv"}[format]
	name := strings.ReplaceAll(strings.Trim(streamPath, "/"), "/", "_") + "_" +
		p.Start.UTC().Format("20060102T150405Z") + "-" + p.End.UTC().Format("20060102T150405Z") + ext
	h.Set("Content-Disposition", `attachment; filename="`+safeName(name)+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	if len(p.Gaps) > 0 {
		gs := make([]string, len(p.Gaps))
		for i, g := range p.Gaps {
			gs[i] = stamp(g.Start) + "/" + stamp(g.End)
		}
		h.Set("X-Export-Gaps", strings.Join(gs, ","))
	}
	if !p.Rest.IsZero() {
		h.Set("X-Export-Rest", stamp(p.Rest))
	}
}

// serveExport writes the file: mp4 through http.ServeContent over the
// virtual file (Range), the others streamed as they are read.
func (rq *request) serveExport(p *playback.Plan, format string) {
	var err error
	w := &startedWriter{w: rq.w}
	switch format {
	case "mp4":
		var f *playback.MP4File
		if f, err = p.NewMP4File(); err != nil {
			break
		}
		defer f.Close()
		if at := f.Walked.ChangeAt; !at.IsZero() && p.Rest.IsZero() { // inside a file: known after the walks
			rq.w.Header().Set("X-Export-Rest", stamp(at))
		}
		http.ServeContent(rq.w, rq.r, "", p.Start, f)
		return
	case "fmp4":
		_, err = p.WriteFMP4(w)
	case "flv":
		_, err = p.WriteFLV(w)
	}
	switch {
	case err == nil:
	case w.started:
		rq.api.log.Warn("export failed", "err", err, "path", rq.r.URL.Path) // headers are gone: the body ends short
	case errors.Is(err, playback.ErrUnsupported):
		rq.exportFailed(http.StatusUnprocessableEntity, err.Error())
	case isNodeError(err):
		rq.exportFailed(http.StatusBadGateway, err.Error())
		rq.api.log.Warn("export failed", "err", err, "path", rq.r.URL.Path)
	default:
		rq.exportFailed(http.StatusInternalServerError, "")
		rq.api.log.Error("export failed", "err", err, "path", rq.r.URL.Path)
	}
}

// exportFailed answers an error in place of the file whose headers were
// set but not sent.
func (rq *request) exportFailed(code int, msg string) {
	for _, k := range []string{"Content-Disposition", "X-Export-Gaps", "X-Export-Rest"} {
		rq.w.Header().Del(k)
	}
	if msg == "" {
		msg = http.StatusText(code)
	}
	fail(rq.w, code, msg)
}

// startedWriter tells whether anything was written (the headers sent).
type startedWriter struct {
	w       io.Writer
	started bool
}

func (s *startedWriter) Write(p []byte) (int, error) {
	s.started = true
	return s.w.Write(p)
}

// exportInfo answers the JSON sidecar: what the export would hold.
func (rq *request) exportInfo(p *playback.Plan) {
	wk, err := p.Walk(func(*playback.Out) error { return nil })
	if err != nil {
		rq.internal(err)
		return
	}
	type seg struct {
		ID     int64  `json:"id"`
		Format string `json:"format"`
		Start  string `json:"start"`
	}
	out := struct {
		Start       string         `json:"start"`
		End         string         `json:"end"`
		First       string         `json:"first"`
		DurationMS  int64          `json:"durationMs"`
		VideoFrames int64          `json:"videoFrames"`
		AudioFrames int64          `json:"audioFrames"`
		Bytes       int64          `json:"mediaBytes"`
		Gaps        []playback.Gap `json:"gaps"`
		Rest        string         `json:"rest,omitempty"`
		Recordings  []seg          `json:"recordings"`
	}{Start: stamp(p.Start), End: stamp(p.End), First: stamp(wk.First), DurationMS: wk.DurationMS,
		VideoFrames: wk.Video, AudioFrames: wk.Audio, Bytes: wk.Bytes, Gaps: p.Gaps, Recordings: []seg{}}
	if out.Gaps == nil {
		out.Gaps = []playback.Gap{}
	}
	if !p.Rest.IsZero() {
		out.Rest = stamp(p.Rest)
	} else if !wk.ChangeAt.IsZero() {
		out.Rest = stamp(wk.ChangeAt)
	}
	for _, s := range p.Segments {
		out.Recordings = append(out.Recordings, seg{ID: s.Row.ID, Format: s.Row.Format, Start: stamp(s.Row.Start)})
	}
	reply(rq.w, http.StatusOK, out)
}

// maxTimelineEvents bounds the events a timeline lists (the newest).
const maxTimelineEvents = 1000

// timeline serves timeline/{streamPath}: the intervals the recorder an
// export would use covers, whatever their codecs, the gaps and the events
// triggered in the range; from the index only, no file is read.
func (rq *request) timeline(streamPath string) {
	q := rq.r.URL.Query()
	start, end, ok := rq.exportRange(q)
	if !ok {
		return
	}
	req := playback.Request{StreamPath: strings.Trim(streamPath, "/"), Start: start, End: end}
	if q.Has("recorder") {
		r := q.Get("recorder")
		req.Recorder = &r
	}
	rows, gaps, err := playback.Coverage(rq.ctx(), rq.api.o.Store, req)
	if err != nil {
		rq.internal(err)
		return
	}
	evs, _, err := rq.api.o.Store.Events(rq.ctx(), index.EventQuery{StreamPath: req.StreamPath, Start: start, End: end,
		Page: 1, Size: maxTimelineEvents})
	if err != nil {
		rq.internal(err)
		return
	}
	type span struct {
		Start    string `json:"start"`
		End      string `json:"end"`
		ID       int64  `json:"id"`
		Format   string `json:"format"`
		Recorder string `json:"recorder"`
		Status   string `json:"status"`
	}
	out := struct {
		Intervals []span         `json:"intervals"`
		Gaps      []playback.Gap `json:"gaps"`
		Events    []event        `json:"events"`
	}{Intervals: []span{}, Gaps: gaps, Events: []event{}}
	if out.Gaps == nil {
		out.Gaps = []playback.Gap{}
	}
	for _, r := range rows {
		e := r.End
		if r.Duration > 0 {
			e = r.Start.Add(r.Duration)
		}
		out.Intervals = append(out.Intervals, span{Start: stamp(r.Start), End: stamp(e), ID: r.ID, Format: r.Format,
			Recorder: r.Recorder, Status: string(r.Status)})
	}
	for i := range evs {
		out.Events = append(out.Events, eventJSON(&evs[i]))
	}
	reply(rq.w, http.StatusOK, out)
}
