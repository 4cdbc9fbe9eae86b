package httpd

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// authorized checks `Authorization: Bearer TOKEN` when token is set,
// answering 401 (no credentials) or 403 (wrong ones) itself. Both tokens
// are hashed first so that the comparison's time does not even reveal the
// token's length.
func authorized(w http.ResponseWriter, r *http.Request, token string) bool {
	if token == "" {
		return true
	}
	got, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rtmprecd"`)
		Fail(w, http.StatusUnauthorized, "control_token is set: send Authorization: Bearer TOKEN")
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		Fail(w, http.StatusForbidden, "wrong token")
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

// Authorized is the router's control_token check, for a route with
// OwnAuth that checks only some of its requests (the console's page is
// public, its configuration is not).
func Authorized(w http.ResponseWriter, r *http.Request, token string) bool {
	return authorized(w, r, token)
}
