package conf

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rtmprecd/rtmprecd/parser"
)

// nginxOwned reports whether path is one of nginx's own files: a file
// named nginx.pid, anything under a directory named nginx
// (/var/log/nginx/error.log, /usr/local/nginx/logs/...), or nginx's
// compiled-in relative defaults. A configuration copied whole from nginx
// brings them along, and sharing them with a running nginx breaks both.
func nginxOwned(path string) bool {
	p := filepath.Clean(path)
	if filepath.Base(p) == "nginx.pid" || p == "logs/error.log" || p == "logs/access.log" {
		return true
	}
	return slices.Contains(strings.Split(filepath.Dir(p), string(filepath.Separator)), "nginx")
}

// nginxFileUse says what goes wrong when rtmprecd shares a file with nginx
// and what to use instead, per directive.
var nginxFileUse = map[string]struct{ what, why, instead string }{
	"pid": {"pid file", "nginx writes and removes it too, so rtmprecd refuses to start while nginx runs",
		"/run/rtmprecd/rtmprecd.pid"},
	"error_log": {"log file", "nginx writes it too, and nginx's logrotate signals only nginx",
		"/var/log/rtmprecd/rtmprecd.log"},
	"access_log": {"log file", "nginx's logrotate moves it and signals only nginx, so rtmprecd keeps writing to the old file",
		"/var/log/rtmprecd/access.log"},
}

// warnNginxFile warns when directive name (pid, error_log, access_log),
// written at pos (nil: not written), names one of nginx's files.
func (l *loader) warnNginxFile(name, path string, pos *parser.Pos) {
	if pos == nil || !nginxOwned(path) {
		return
	}
	u := nginxFileUse[name]
	l.warn(*pos, fmt.Sprintf("%q points at nginx's %s %q: %s; give rtmprecd its own, such as %s",
		name, u.what, path, u.why, u.instead))
}
