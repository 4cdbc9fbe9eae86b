package control

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rtmprecd/rtmprecd/httpd"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// control serves a location with rtmp_control. As nginx-rtmp, only the
// last two path segments matter: .../SECTION/METHOD. Our own
// .../status and .../reload are recognised by the last segment.
func (s *Server) control(w http.ResponseWriter, r *http.Request, at httpd.Location) {
	loc := at.Location
	section, method := lastTwo(r.URL.Path)
	switch section {
	case "record", "drop", "redirect":
		if !enabled(loc.Control, section) {
			httpd.Fail(w, http.StatusNotFound, "rtmp_control does not enable "+section+" here")
			return
		}
		if !httpd.AllowMethods(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		sel, err := parseSelector(r.URL.RawQuery, at.Config)
		if err != nil {
			httpd.Fail(w, http.StatusBadRequest, err.Error())
			return
		}
		switch section {
		case "record":
			s.record(w, r, method, sel)
		case "drop":
			s.drop(w, r, method, sel)
		default:
			s.redirect(w, r, method, sel)
		}
	default:
		switch method {
		case "status":
			if httpd.AllowMethods(w, r, http.MethodGet, http.MethodHead) {
				s.status(w)
			}
		case "reload":
			if !enabled(loc.Control, "all") {
				httpd.Fail(w, http.StatusNotFound, "reload needs rtmp_control all")
			} else if httpd.AllowMethods(w, r, http.MethodPost) {
				s.reload(w)
			}
		default:
			httpd.Fail(w, http.StatusNotFound, fmt.Sprintf("unknown control call %q", section+"/"+method))
		}
	}
}

// lastTwo returns the last two segments of p; a trailing slash makes the
// method empty, as in nginx-rtmp.
func lastTwo(p string) (section, method string) {
	i := strings.LastIndexByte(p, '/')
	method = p[i+1:]
	if i <= 0 {
		return "", method
	}
	rest := p[:i]
	return rest[strings.LastIndexByte(rest, '/')+1:], method
}

func enabled(words []string, section string) bool {
	return slices.Contains(words, "all") || slices.Contains(words, section)
}

// record is .../record/start and .../record/stop: 200 with the path of
// the last file opened or closed, 204 when nothing changed, 400 without
// app or name, 404 when no matched publisher has the recorder, 500 when an
// open failed.
func (s *Server) record(w http.ResponseWriter, r *http.Request, method string, sel *selector) {
	if method == "event" {
		s.event(w, r, sel)
		return
	}
	if method != "start" && method != "stop" {
		httpd.Fail(w, http.StatusNotFound, fmt.Sprintf("unknown method record/%q; use start, stop or event", method))
		return
	}
	// nginx-rtmp widens a missing app or name to every stream: one `&`
	// lost to an unquoted shell command line would start or stop them all.
	if sel.app == "" || sel.name == "" {
		httpd.Fail(w, http.StatusBadRequest, "record/"+method+" needs app and name")
		return
	}
	if s.opts.Recorder == nil {
		httpd.Fail(w, http.StatusNotImplemented, "recording is not available")
		return
	}
	var o recordOutcome
	for _, pub := range sel.publishers(s.opts.Registry.Sessions()) {
		if pub.app.Recorder(sel.rec) == nil {
			o.noRec = fmt.Errorf("application %q has no recorder %q", pub.app.Name, sel.rec)
			continue
		}
		o.add(s.recordOne(method, pub, sel.rec))
	}
	switch {
	case o.failed != nil:
		s.log.Error("control: record "+method+" failed", "err", o.failed)
		httpd.Fail(w, http.StatusInternalServerError, o.failed.Error())
	case o.changed:
		writeText(w, http.StatusOK, o.path)
	case !o.hasRec && o.noRec != nil:
		httpd.Fail(w, http.StatusNotFound, o.noRec.Error())
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// recordOutcome folds the results of record start or stop over the
// matched publishers.
type recordOutcome struct {
	path    string // the last file opened or closed
	changed bool   // some file was opened or closed
	hasRec  bool   // some matched publisher has the recorder
	noRec   error  // why a matched publisher has no usable recorder
	failed  error  // an open or close that failed
}

func (o *recordOutcome) add(path string, err error) {
	switch {
	case err == nil:
		o.path, o.changed, o.hasRec = path, true, true
	case errors.Is(err, record.ErrAlreadyRecording), errors.Is(err, record.ErrNotRecording),
		errors.Is(err, record.ErrNoStream):
		o.hasRec = true // nothing to change, or the publisher just left
	case errors.Is(err, record.ErrNoRecorder):
		o.noRec = err // record off
	default:
		o.failed = err
	}
}

func (s *Server) recordOne(method string, pub publisher, rec string) (string, error) {
	if method == "start" {
		return s.opts.Recorder.Start(pub.app.Name, pub.p.Name, rec)
	}
	return s.opts.Recorder.Stop(pub.app.Name, pub.p.Name, rec)
}

// drop is .../drop/publisher|subscriber|client: body = the number of
// sessions dropped. It answers once the dropped publishers' recordings
// are finished (bounded by DropWait), as nginx-rtmp's synchronous
// finalize. There are no subscribers until live play exists.
func (s *Server) drop(w http.ResponseWriter, r *http.Request, method string, sel *selector) {
	var pubs []publisher
	switch method {
	case "publisher", "client":
		pubs = sel.publishers(s.opts.Registry.Sessions())
	case "subscriber":
	default:
		httpd.Fail(w, http.StatusNotFound, fmt.Sprintf("unknown method drop/%q; use publisher, subscriber or client", method))
		return
	}
	var wait []<-chan struct{}
	for _, pub := range pubs {
		if mt := s.opts.Meter.Meter(pub.s); mt != nil {
			wait = append(wait, mt.Done())
		}
		pub.s.Logger().Info("dropping publisher on control request", "remote", r.RemoteAddr)
		pub.s.Drop(rtmp.CloseDrop)
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.DropWait)
	defer cancel()
	for _, ch := range wait {
		select {
		case <-ch:
		case <-ctx.Done():
			s.log.Warn("control: drop answered before the dropped publishers finished", "err", ctx.Err())
		}
	}
	writeText(w, http.StatusOK, strconv.Itoa(len(pubs)))
}

// redirect is .../redirect/publisher|client: each matched publisher
// continues under newname (rtmp.Session.Redirect: its recordings are
// finished, on_publish runs again and new ones start under the new name),
// one after the other as nginx-rtmp does, so that with several matches
// the first one (by connection number) gets a contested name. Body = the
// number of publishers redirected. As nginx-rtmp, newname is only needed
// when something matched: no match answers 200 "0" even without it. Until
// live play exists every client is a publisher, so client redirects the
// matched publishers and subscriber answers 501.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, method string, sel *selector) {
	switch method {
	case "publisher", "client":
	case "subscriber":
		httpd.Fail(w, http.StatusNotImplemented, "redirect/subscriber is not implemented: rtmprecd has no live play")
		return
	default:
		httpd.Fail(w, http.StatusNotFound, fmt.Sprintf("unknown method redirect/%q; use publisher, subscriber or client", method))
		return
	}
	pubs := sel.publishers(s.opts.Registry.Sessions())
	if name, _, _ := strings.Cut(sel.newName, "?"); len(pubs) > 0 && name == "" {
		httpd.Fail(w, http.StatusBadRequest, "redirect/"+method+" needs newname (a stream name, optionally ?args)")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.DropWait)
	defer cancel()
	n, err := s.redirectAll(ctx, pubs, sel.newName, r.RemoteAddr)
	if err != nil {
		s.log.Warn("control: redirect failed", "redirected", n, "err", err)
		httpd.Fail(w, http.StatusInternalServerError, fmt.Sprintf("redirected %d of %d: %v", n, len(pubs), err))
		return
	}
	writeText(w, http.StatusOK, strconv.Itoa(n))
}

// redirectAll redirects pubs in turn and counts the successes; a
// publisher that stopped publishing meanwhile is skipped, any other
// failure is returned (the last one) after every publisher was tried.
func (s *Server) redirectAll(ctx context.Context, pubs []publisher, newName, remote string) (int, error) {
	n := 0
	var failed error
	for _, pub := range pubs {
		pub.s.Logger().Info("redirecting publisher on control request", "newname", newName, "remote", remote)
		err := pub.s.Redirect(ctx, newName)
		switch {
		case err == nil:
			n++
		case errors.Is(err, rtmp.ErrNotPublishing):
		default:
			failed = fmt.Errorf("%s/%s: %w", pub.app.Name, pub.p.Name, err)
		}
	}
	return n, failed
}

// writeText answers with body and no trailing newline, as nginx-rtmp.
func writeText(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(body))
}
