package control

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/rtmprecd/rtmprecd/conf"
)

// handler routes b's requests through the block b serves now.
func (s *Server) handler(b *binding) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.recoverPanic(w, r)
		s.route(b.block.Load(), w, r)
	})
}

// Handler returns the handler that serves http block hs, without a
// listener (for embedding and tests).
func (s *Server) Handler(hs *conf.HTTPServer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.recoverPanic(w, r)
		s.route(hs, w, r)
	})
}

// recoverPanic turns a bug in a handler into a 500 and one log record,
// rather than net/http's connection reset.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil || v == http.ErrAbortHandler {
		if v != nil {
			panic(v)
		}
		return
	}
	s.log.Error("http handler panicked", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	fail(w, http.StatusInternalServerError, "internal error")
}

// route finds the location (longest prefix, as nginx's prefix locations),
// checks the token, and hands the request to the location's module.
func (s *Server) route(hs *conf.HTTPServer, w http.ResponseWriter, r *http.Request) {
	loc := match(hs.Locations, r.URL.Path)
	token := hs.ControlToken
	if loc != nil {
		token = loc.ControlToken
	}
	if loc != nil && loc.RecordAPI {
		s.recordAPI(loc, w, r)
		return
	}
	if !authorized(w, r, token) {
		return
	}
	switch {
	case loc == nil && hs.Root != "":
		s.static(hs.Root, r.URL.Path, w, r)
	case loc == nil:
		fail(w, http.StatusNotFound, "no location for "+r.URL.Path)
	case len(loc.Control) > 0:
		s.control(loc, w, r)
	case len(loc.Stat) > 0:
		s.stat(loc, w, r)
	case loc.Metrics:
		s.metrics(loc, w, r)
	case loc.Alias != "":
		dir, rel := aliasTarget(loc, r.URL.Path)
		s.static(dir, rel, w, r)
	case loc.Root != "":
		s.static(loc.Root, r.URL.Path, w, r)
	default:
		fail(w, http.StatusNotFound, "location "+loc.Path+" serves nothing")
	}
}

// aliasTarget splits the file an alias location names into the directory
// it is confined to and the rest: as nginx, the path after the location's
// prefix is appended to the alias, and an alias may name a file itself
// (`location /stat.xsl { alias /opt/rtmp/stat.xsl; }`).
func aliasTarget(loc *conf.Location, p string) (dir, rel string) {
	rest := strings.TrimPrefix(p, loc.Path)
	if rest == "" && !strings.HasSuffix(loc.Alias, "/") {
		return filepath.Dir(loc.Alias), filepath.Base(loc.Alias)
	}
	return loc.Alias, rest
}

// match returns the location with the longest path prefix of p, or nil.
func match(locs []*conf.Location, p string) *conf.Location {
	var best *conf.Location
	for _, l := range locs {
		if strings.HasPrefix(p, l.Path) && (best == nil || len(l.Path) > len(best.Path)) {
			best = l
		}
	}
	return best
}

// authorized checks `Authorization: Bearer TOKEN` when token is set,
// answering 401 (no credentials) or 403 (wrong ones) itself. Both sides
// are hashed first so that the comparison's time does not even reveal
// the token's length.
func authorized(w http.ResponseWriter, r *http.Request, token string) bool {
	if token == "" {
		return true
	}
	got, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rtmprecd"`)
		fail(w, http.StatusUnauthorized, "control_token is set: send Authorization: Bearer TOKEN")
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		fail(w, http.StatusForbidden, "wrong token")
		return false
	}
	return true
}

// bearer extracts the token of a Bearer authorization (scheme
// case-insensitive, as RFC 7235).
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// fail answers with status and a one-line reason.
func fail(w http.ResponseWriter, status int, reason string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, oneLine(reason))
}

// oneLine keeps a reason on one line whatever an error's text holds.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// allowMethods answers 405 unless r's method is one of ms.
func allowMethods(w http.ResponseWriter, r *http.Request, ms ...string) bool {
	for _, m := range ms {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(ms, ", "))
	fail(w, http.StatusMethodNotAllowed, r.Method+" not allowed; use "+strings.Join(ms, " or "))
	return false
}

// recordAPI hands a record_api location's request to the recordings API,
// which checks the token itself: its file routes also take signed URLs
// and a session cookie.
func (s *Server) recordAPI(loc *conf.Location, w http.ResponseWriter, r *http.Request) {
	if s.opts.RecordAPI == nil {
		fail(w, http.StatusServiceUnavailable, "the recordings API is not available")
		return
	}
	s.opts.RecordAPI(loc.Path, loc.ControlToken).ServeHTTP(w, r)
}
