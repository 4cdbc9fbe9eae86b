package httpd

import (
	"errors"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rtmprecd/rtmprecd/conf"
)

// Files is the route of the root and alias directives: a file under the
// location's directory. It comes after the routes of the other location
// directives (a location that also enables one of them is served by it).
// It is not sensitive: a file location serves what its directory holds,
// by the operator's choice, as nginx does (a server-level root serves
// paths that no location matches).
func Files(log *slog.Logger) Route {
	return Route{
		Directive: "root",
		Serves:    func(loc *conf.Location) bool { return loc.Alias != "" || loc.Root != "" },
		Serve: func(w http.ResponseWriter, r *http.Request, at Location) {
			if at.Alias != "" {
				dir, rel := aliasTarget(at.Location, r.URL.Path)
				static(log, dir, rel, w, r)
				return
			}
			static(log, at.Root, r.URL.Path, w, r)
		},
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

// static serves a file under dir: the part of the request path that rel
// names. It is what nginx does for `root` and `alias`, so that an
// nginx-rtmp setup's `location /stat.xsl { root ...; }` keeps working:
// GET and HEAD with ranges and If-Modified-Since (http.ServeContent),
// content types by extension, no directory listing (403, as nginx without
// autoindex), and nothing outside dir: a `..` segment is refused, and the
// file is opened through os.Root, which also refuses symbolic links that
// lead out of dir.
func static(log *slog.Logger, dir, rel string, w http.ResponseWriter, r *http.Request) {
	if !AllowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	name, ok := cleanRel(rel)
	if !ok {
		Fail(w, http.StatusBadRequest, "bad path "+r.URL.Path)
		return
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		// a missing root, or a path below an alias that names a file:
		// answered like a missing file, and not logged per request
		log.Debug("http: cannot open a root or alias directory", "dir", dir, "err", err)
		if fi, serr := os.Stat(dir); serr == nil && !fi.IsDir() {
			err = fs.ErrNotExist // os.Root's "not a directory" wraps no errno
		}
		failOpen(w, r, err)
		return
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		failOpen(w, r, err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		failOpen(w, r, err)
	case !fi.Mode().IsRegular():
		Fail(w, http.StatusForbidden, r.URL.Path+" is not a file; directories are not listed")
	default:
		h := w.Header()
		h.Set("Content-Type", contentType(name))
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
	}
}

// cleanRel turns the request path below a root or alias into a name for
// os.Root: "." for the directory itself, no leading slash, and no `..`
// segment, NUL byte or backslash (which a Windows-minded client may mean
// as a separator).
func cleanRel(rel string) (string, bool) {
	if strings.ContainsAny(rel, "\x00\\") {
		return "", false
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == ".." {
			return "", false
		}
	}
	name := strings.TrimPrefix(path.Clean("/"+rel), "/")
	if name == "" {
		name = "."
	}
	return name, true
}

// failOpen answers a file that cannot be opened: 404 when it is missing
// (or a path goes on below a file), 403 when it may not be read or leads
// outside the directory.
func failOpen(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		Fail(w, http.StatusNotFound, r.URL.Path+" not found")
	default:
		Fail(w, http.StatusForbidden, r.URL.Path+" is not readable")
	}
}

// contentTypes are the types nginx's mime.types gives the files an
// nginx-rtmp setup serves, plus XSLT (which browsers need as XML to apply
// stat.xsl); other extensions go through the mime package.
var contentTypes = map[string]string{
	".xsl": "text/xsl", ".xslt": "text/xsl", ".xml": "text/xml",
	".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
	".css": "text/css", ".js": "application/javascript", ".json": "application/json",
	".txt": "text/plain; charset=utf-8", ".flv": "video/x-flv", ".mp4": "video/mp4",
	".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t",
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".svg": "image/svg+xml", ".ico": "image/x-icon",
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}
