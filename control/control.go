package control

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// control serves a location with rtmp_control. As nginx-rtmp, only the
// last two path segments matter: .../SECTION/METHOD. Our own
// .../status and .../reload are recognised by the last segment.
func (s *Server) control(loc *conf.Location, w http.ResponseWriter, r *http.Request) {
	section, method := lastTwo(r.URL.Path)
	switch section {
	case "record", "drop", "redirect":
		if !enabled(loc.Control, section) {
			fail(w, http.StatusNotFound, "rtmp_control does not enable "+section+" here")
			return
		}
		if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		sel, err := parseSelector(r.URL.RawQuery, s.cfg.Load())
		if err != nil {
			fail(w, http.StatusBadRequest, err.Error())
			return
		}
		switch section {
		case "record":
			s.record(w, r, method, sel)
		case "drop":
			s.drop(w, r, method, sel)
		default:
			s.redirect(w, method, sel)
		}
	default:
		switch method {
		case "status":
			if allowMethods(w, r, http.MethodGet, http.MethodHead) {
				s.status(w)
			}
		case "reload":
			if !enabled(loc.Control, "all") {
				fail(w, http.StatusNotFound, "reload needs rtmp_control all")
			} else if allowMethods(w, r, http.MethodPost) {
				s.reload(w)
			}
		default:
			fail(w, http.StatusNotFound, fmt.Sprintf("unknown control call %q", section+"/"+method))
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
// the last file opened or closed, 204 when nothing changed, 404 when no
// matched publisher has the recorder, 500 when an open failed.
func (s *Server) record(w http.ResponseWriter, r *http.Request, method string, sel *selector) {
	if method != "start" && method != "stop" {
		fail(w, http.StatusNotFound, fmt.Sprintf("unknown method record/%q; use start or stop", method))
		return
	}
	if s.opts.Recorder == nil {
		fail(w, http.StatusNotImplemented, "recording is not available")
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
		fail(w, http.StatusInternalServerError, o.failed.Error())
	case o.changed:
		writeText(w, http.StatusOK, o.path)
	case !o.hasRec && o.noRec != nil:
		fail(w, http.StatusNotFound, o.noRec.Error())
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
		fail(w, http.StatusNotFound, fmt.Sprintf("unknown method drop/%q; use publisher, subscriber or client", method))
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

// redirect is .../redirect/...: renaming a running publish needs an
// operation the rtmp package does not have yet, and subscribers need
// live play; both answer 501 with the reason.
func (s *Server) redirect(w http.ResponseWriter, method string, sel *selector) {
	switch method {
	case "publisher":
		if sel.newName == "" {
			fail(w, http.StatusBadRequest, "redirect/publisher needs newname")
			return
		}
		fail(w, http.StatusNotImplemented, "redirect/publisher is not implemented yet: the RTMP core cannot rename a running publish")
	case "subscriber", "client":
		fail(w, http.StatusNotImplemented, "redirect/"+method+" is not implemented: rtmprecd has no live play")
	default:
		fail(w, http.StatusNotFound, fmt.Sprintf("unknown method redirect/%q", method))
	}
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
