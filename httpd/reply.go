package httpd

import (
	"fmt"
	"net/http"
	"strings"
)

// Fail answers with status and a one-line reason as plain text, never
// cached and never sniffed.
func Fail(w http.ResponseWriter, status int, reason string) {
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

// AllowMethods answers 405 with an Allow header unless r's method is one
// of ms, and reports whether it is.
func AllowMethods(w http.ResponseWriter, r *http.Request, ms ...string) bool {
	for _, m := range ms {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(ms, ", "))
	Fail(w, http.StatusMethodNotAllowed, r.Method+" not allowed; use "+strings.Join(ms, " or "))
	return false
}
