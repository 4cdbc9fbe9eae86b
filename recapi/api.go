// Package recapi is the recordings JSON API (`record_api on;` in a
// location): list, catalog, start, stop, delete, one recording, its file
// with Range, pin and unpin, over the recordings index. Paths below the
// location follow Monibuca's, with {streamPath} = app/name, so a location
// at /mp4/api/ answers Monibuca's documented calls unchanged. The OpenAPI
// 3.1 document is served at PREFIX/openapi.json.
//
// Authorization: the location's control_token as `Authorization: Bearer`,
// or, for the GET routes that return files (which <video src> and
// <a download> cannot send a header for), a signed URL minted by
// GET sign?path= or the session cookie set by POST login.
package recapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/record"
)

// Recorder is the record module's manual control; *record.Module
// implements it.
type Recorder interface {
	Start(app, name, rec string) (string, error)
	Stop(app, name, rec string) (string, error)
	Recordings() []record.Recording
}

// Options configures an API.
type Options struct {
	Store    index.Store   // required
	Writer   *index.Writer // the index writer: start and stop wait for it to answer the row written
	Journal  *index.Journal
	Recorder Recorder            // nil: start and stop answer 501
	Config   func() *conf.Config // the running configuration: applications and recorders
	Logger   *slog.Logger
	Now      func() time.Time // Default: time.Now.
}

// API serves the recordings API.
type API struct {
	o       Options
	log     *slog.Logger
	slotsMu sync.Mutex
	slots   map[string]chan struct{} // export slots by location prefix
}

// New returns the API over o.
func New(o Options) *API {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &API{o: o, log: o.Logger, slots: make(map[string]chan struct{})}
}

// maxBody bounds every request body.
const maxBody = 64 << 10

// Handler serves the API mounted at prefix (a location path) with token
// (the location's control_token, "" for none) and the location's export
// limits.
func (a *API) Handler(prefix, token string, lim ExportLimits) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			fail(w, http.StatusNotFound, "not below "+prefix)
			return
		}
		rq := &request{api: a, w: w, r: r, prefix: strings.TrimSuffix(prefix, "/"), token: token, limits: lim,
			rest: strings.TrimPrefix(rest, "/")}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		rq.route()
	})
}

// request is one call being served.
type request struct {
	api    *API
	w      http.ResponseWriter
	r      *http.Request
	prefix string
	token  string
	limits ExportLimits
	rest   string // path below the prefix, no leading "/"
}

func (rq *request) ctx() context.Context { return rq.r.Context() }

// route dispatches on the first path segment.
func (rq *request) route() {
	head, tail, _ := strings.Cut(rq.rest, "/")
	if head == "openapi.json" && tail == "" {
		rq.get(rq.openAPI) // the API's description is public
		return
	}
	if !rq.authorized(head == "recordings" && isFileRoute(tail) || isExportRoute(head)) {
		return
	}
	if rq.down() {
		return
	}
	switch head {
	case "list":
		rq.get(func() { rq.list(tail) })
	case "catalog":
		rq.get(rq.catalog)
	case "start":
		rq.post(func() { rq.start(tail) })
	case "stop":
		rq.post(func() { rq.stop(tail) })
	case "delete":
		rq.post(func() { rq.remove(tail) })
	case "event":
		rq.event(tail)
	case "events":
		rq.get(func() { rq.events(tail) })
	case "recordings":
		rq.recording(tail)
	case "export":
		if rq.method(http.MethodGet, http.MethodHead) {
			rq.export(tail)
		}
	case "timeline":
		rq.get(func() { rq.timeline(tail) })
	case "playlist":
		rq.get(func() { rq.playlist(tail) })
	case "sign":
		rq.get(rq.sign)
	case "login":
		rq.post(rq.login)
	default:
		fail(rq.w, http.StatusNotFound, "no such API call: "+rq.rest)
	}
}

// recording dispatches recordings/{id}[/file|/pin|/unpin].
func (rq *request) recording(tail string) {
	idText, sub, _ := strings.Cut(tail, "/")
	id, ok := parseID(idText)
	if !ok {
		fail(rq.w, http.StatusBadRequest, "recording id must be a positive integer, got "+quote(idText))
		return
	}
	switch sub {
	case "":
		rq.get(func() { rq.one(id) })
	case "file":
		if rq.method(http.MethodGet, http.MethodHead) {
			rq.file(id)
		}
	case "pin", "unpin":
		rq.post(func() { rq.pin(id, sub == "pin") })
	default:
		name, inDir := strings.CutPrefix(sub, "file/")
		switch {
		case !inDir:
			fail(rq.w, http.StatusNotFound, "no such API call: "+rq.rest)
		case rq.method(http.MethodGet, http.MethodHead):
			rq.fileIn(id, name)
		}
	}
}

// isExportRoute: an export or a playlist is a file a browser downloads or
// plays, so a signed URL or the session cookie also authorizes it.
func isExportRoute(head string) bool { return head == "export" || head == "playlist" }

// isFileRoute: recordings/{id}/file, or a file of an HLS recording
// (recordings/{id}/file/{name}).
func isFileRoute(tail string) bool {
	_, sub, _ := strings.Cut(tail, "/")
	return sub == "file" || strings.HasPrefix(sub, "file/")
}

func (rq *request) get(fn func()) {
	if rq.method(http.MethodGet) {
		fn()
	}
}

func (rq *request) post(fn func()) {
	if rq.method(http.MethodPost) {
		fn()
	}
}

func (rq *request) method(ms ...string) bool {
	for _, m := range ms {
		if rq.r.Method == m {
			return true
		}
	}
	rq.w.Header().Set("Allow", strings.Join(ms, ", "))
	fail(rq.w, http.StatusMethodNotAllowed, rq.r.Method+" not allowed; use "+strings.Join(ms, " or "))
	return false
}
