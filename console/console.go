// Package console serves the web console (`record_console on;` in a
// location): one page of plain HTML, CSS and JavaScript, embedded in the
// binary, that shows the live streams, the recordings with a day
// timeline, plays them (hls.js for HLS), and the daemon's health. It has
// no API of its own: the page calls the record_api, rtmp_stat,
// rtmp_control and rtmp_metrics locations of the same http server, whose
// paths it reads from PREFIX/config.json.
//
// The page and its assets are public (they hold nothing but code); the
// login form checks the token against config.json, which needs the
// location's control_token, and the page sends it as a Bearer header to
// the other locations. Media go through the recordings API's session
// cookie (POST login), so no token ever appears in a URL.
package console

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/httpd"
)

// HLSVersion is the version of the vendored hls.js (web/NOTICE).
const HLSVersion = "1.7.4"

//go:embed web
var embedded embed.FS

// web is the embedded folder's content, served below the location.
var web = func() fs.FS {
	sub, err := fs.Sub(embedded, "web")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}()

// Endpoints are the paths of the locations the page calls, "" for one the
// server does not have.
type Endpoints struct {
	// NeedToken is set, and nothing else, when the request had no token
	// and the location needs one.
	NeedToken bool   `json:"needToken,omitempty"`
	Version   string `json:"version,omitempty"`
	HLSJS     string `json:"hlsjs,omitempty"`
	API       string `json:"api"`     // record_api
	Stat      string `json:"stat"`    // rtmp_stat
	Control   string `json:"control"` // rtmp_control
	Metrics   string `json:"metrics"` // rtmp_metrics
}

// Route serves record_console locations; version is the daemon's.
func Route(version string) httpd.Route {
	files := http.FileServerFS(web)
	return httpd.Route{
		Directive: "record_console",
		OwnAuth:   true, // the page is public; config.json checks the token
		Serves:    func(loc *conf.Location) bool { return loc.RecordConsole },
		Serve: func(w http.ResponseWriter, r *http.Request, at httpd.Location) {
			if !httpd.AllowMethods(w, r, http.MethodGet, http.MethodHead) {
				return
			}
			rest := strings.TrimPrefix(r.URL.Path, at.Path)
			rest = strings.TrimPrefix(path.Clean("/"+rest), "/")
			if rest == "config.json" {
				config(w, r, at, version)
				return
			}
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Content-Security-Policy", "default-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; img-src 'self' data:")
			h.Set("Referrer-Policy", "no-referrer")
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + rest
			files.ServeHTTP(w, r2)
		},
	}
}

// config answers config.json. Without credentials it answers only
// whether a token is needed, with 200 rather than 401, so that the page's
// first look logs no failed load in the browser's console.
func config(w http.ResponseWriter, r *http.Request, at httpd.Location, version string) {
	if at.ControlToken != "" && r.Header.Get("Authorization") == "" {
		answer(w, Endpoints{NeedToken: true})
		return
	}
	if httpd.Authorized(w, r, at.ControlToken) {
		answer(w, Find(at.Config, at.Location, version))
	}
}

func answer(w http.ResponseWriter, e Endpoints) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(e)
}

// Find returns the endpoints of the http server that holds loc in cfg:
// the first location of each kind. A nil cfg (a router serving a bare
// block) finds nothing but the version.
func Find(cfg *conf.Config, loc *conf.Location, version string) Endpoints {
	e := Endpoints{Version: version, HLSJS: HLSVersion}
	if cfg == nil {
		return e
	}
	for _, hs := range cfg.HTTP {
		if !holds(hs, loc) {
			continue
		}
		for _, l := range hs.Locations {
			pick(&e.API, l.RecordAPI, l.Path)
			pick(&e.Stat, len(l.Stat) > 0, l.Path)
			pick(&e.Control, len(l.Control) > 0, l.Path)
			pick(&e.Metrics, l.Metrics, l.Path)
		}
	}
	return e
}

func holds(hs *conf.HTTPServer, loc *conf.Location) bool {
	for _, l := range hs.Locations {
		if l == loc {
			return true
		}
	}
	return false
}

func pick(dst *string, ok bool, p string) {
	if ok && *dst == "" {
		*dst = p
	}
}
