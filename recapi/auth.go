package recapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Lifetimes of what sign and login hand out.
const (
	defaultSignTTL = time.Hour
	maxSignTTL     = 24 * time.Hour
	sessionTTL     = 12 * time.Hour
	cookieName     = "rtmprecd_session"
)

// authorized checks the bearer token; for file routes a valid signed URL
// or session cookie also passes. It answers 401 or 403 itself.
func (rq *request) authorized(fileRoute bool) bool {
	if rq.token == "" {
		return true
	}
	if fileRoute && (rq.validSignature() || rq.validCookie()) {
		return true
	}
	h := rq.r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		rq.w.Header().Set("WWW-Authenticate", `Bearer realm="rtmprecd"`)
		fail(rq.w, http.StatusUnauthorized, "control_token is set: send Authorization: Bearer TOKEN, or use a signed URL")
		return false
	}
	a, b := sha256.Sum256([]byte(strings.TrimSpace(tok))), sha256.Sum256([]byte(rq.token))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		fail(rq.w, http.StatusForbidden, "wrong token")
		return false
	}
	return true
}

// key derives the signing key from the token, so a signature never
// reveals the token and changing the token revokes every signature.
func (rq *request) key() []byte {
	m := hmac.New(sha256.New, []byte(rq.token))
	m.Write([]byte("rtmprecd recordings api signing key v1"))
	return m.Sum(nil)
}

func (rq *request) mac(what string) string {
	m := hmac.New(sha256.New, rq.key())
	m.Write([]byte(what))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sign answers a signed URL for path (below the prefix, a file route).
func (rq *request) sign() {
	q := rq.r.URL.Query()
	p := strings.TrimPrefix(q.Get("path"), rq.prefix)
	p = strings.TrimPrefix(p, "/")
	head, tail, _ := strings.Cut(p, "/")
	if !(head == "recordings" && isFileRoute(tail) || isExportRoute(head)) {
		fail(rq.w, http.StatusBadRequest, "path must name a recording's file (recordings/{id}/file[/{name}]), an export (export/{streamPath}) or a playlist (playlist/{streamPath}.m3u8)")
		return
	}
	ttl := defaultSignTTL
	if s := q.Get("ttl"); s != "" {
		secs, err := strconv.Atoi(s)
		if err != nil || secs <= 0 || time.Duration(secs)*time.Second > maxSignTTL {
			fail(rq.w, http.StatusBadRequest, "ttl must be seconds from 1 to 86400")
			return
		}
		ttl = time.Duration(secs) * time.Second
	}
	full := rq.prefix + "/" + p
	exp := rq.api.o.Now().Add(ttl).Unix()
	v := url.Values{"exp": {strconv.FormatInt(exp, 10)}, "sig": {rq.mac(full + "\n" + strconv.FormatInt(exp, 10))}}
	reply(rq.w, http.StatusOK, struct {
		URL     string `json:"url"`
		Expires string `json:"expires"`
	}{URL: full + "?" + v.Encode(), Expires: stamp(time.Unix(exp, 0))})
}

func (rq *request) validSignature() bool {
	q := rq.r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil || rq.api.o.Now().Unix() > exp {
		return false
	}
	want := rq.mac(rq.r.URL.Path + "\n" + strconv.FormatInt(exp, 10))
	return hmac.Equal([]byte(want), []byte(q.Get("sig")))
}

// login sets the session cookie for the file routes.
func (rq *request) login() {
	exp := rq.api.o.Now().Add(sessionTTL).Unix()
	e := strconv.FormatInt(exp, 10)
	http.SetCookie(rq.w, &http.Cookie{Name: cookieName, Value: e + "." + rq.mac("session\n"+e), Path: rq.prefix + "/",
		MaxAge: int(sessionTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: rq.r.TLS != nil})
	reply(rq.w, http.StatusOK, struct {
		Expires string `json:"expires"`
	}{Expires: stamp(time.Unix(exp, 0))})
}

func (rq *request) validCookie() bool {
	c, err := rq.r.Cookie(cookieName)
	if err != nil {
		return false
	}
	e, sig, ok := strings.Cut(c.Value, ".")
	exp, err := strconv.ParseInt(e, 10, 64)
	if !ok || err != nil || rq.api.o.Now().Unix() > exp {
		return false
	}
	return hmac.Equal([]byte(rq.mac("session\n"+e)), []byte(sig))
}
