package recapi

import (
	"cmp"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// contentTypes by format.
var contentTypes = map[string]string{"flv": "video/x-flv", "mp4": "video/mp4", "fmp4": "video/mp4"}

// file serves a recording's bytes with Range support (http.ServeContent);
// an HLS recording's file is its playlist (toPlaylist).
func (rq *request) file(id int64) {
	r, ok := rq.row(id)
	if !ok {
		return
	}
	if r.Status == index.StatusDeleted || r.Status == index.StatusMissing {
		fail(rq.w, http.StatusNotFound, "recording "+r.Path+" is "+string(r.Status))
		return
	}
	if r.Format == "hls" {
		rq.toPlaylist(id)
		return
	}
	if ns, remote := rq.api.owner(&r); remote {
		rq.forwardFile(ns, &r, "")
		return
	}
	f, err := os.Open(r.Path)
	if os.IsNotExist(err) {
		fail(rq.w, http.StatusNotFound, "the file of recording "+r.Path+" is gone")
		return
	}
	if err != nil {
		rq.internal(err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		fail(rq.w, http.StatusNotFound, "recording "+r.Path+" is not a regular file")
		return
	}
	h := rq.w.Header()
	if ct, ok := contentTypes[r.Format]; ok {
		h.Set("Content-Type", ct)
	}
	h.Set("Content-Disposition", `attachment; filename="`+safeName(filepath.Base(r.Path))+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(rq.w, rq.r, "", st.ModTime(), f)
}

// toPlaylist answers the file of an HLS recording, a directory, with a
// redirect to its playlist among the recording's files (fileIn), so a
// player or `curl -L` gets the playlist and its relative segment URIs
// resolve to fileIn too. fileIn also forwards another node's recording,
// and says 404 when the directory is gone. The reference is relative, so
// it holds behind a proxy that mounts the API under another path; 302
// rather than 307 because only GET and HEAD get here, and every client
// follows it. On a signed request the target carries its own signature
// with the same expiry (a signature names one path).
func (rq *request) toPlaylist(id int64) {
	loc := "file/" + hls.PlaylistName
	if q := rq.signedQuery(rq.dirPath(id, hls.PlaylistName)); q != "" {
		loc += "?" + q
	}
	rq.w.Header().Set("Location", loc)
	rq.w.WriteHeader(http.StatusFound)
}

// dirContentTypes by the extension of a file in an HLS recording.
var dirContentTypes = map[string]string{".m4s": "video/iso.segment", ".mp4": "video/mp4", ".ts": "video/mp2t",
	".m3u8": "application/vnd.apple.mpegurl"}

// fileIn serves the file name of an HLS recording's directory (a segment,
// the init segment, the playlist) with Range support; the name is one
// path component, opened without following links. For a recording that
// is one file, its own base name serves the file (as file does). On a
// signed request the playlist is served with signed URIs (signedPlaylist).
func (rq *request) fileIn(id int64, name string) {
	r, ok := rq.row(id)
	if !ok {
		return
	}
	if r.Format != "hls" && name == filepath.Base(r.Path) {
		rq.file(id) // the file itself, by a name a player can check the extension of
		return
	}
	if r.Format != "hls" || r.Status == index.StatusDeleted || r.Status == index.StatusMissing {
		fail(rq.w, http.StatusNotFound, "recording "+r.Path+" is not an HLS recording on disk")
		return
	}
	if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		fail(rq.w, http.StatusNotFound, "no file "+quote(name)+" in recording "+r.Path)
		return
	}
	signed := name == hls.PlaylistName && rq.signed()
	if ns, remote := rq.api.owner(&r); remote && signed {
		rq.signedPlaylist(&r, nil)
		return
	} else if remote {
		rq.forwardFile(ns, &r, name)
		return
	}
	d, err := format.OpenOSDir(r.Path)
	if err != nil {
		fail(rq.w, http.StatusNotFound, "the directory of recording "+r.Path+" is gone")
		return
	}
	defer d.Close()
	f, err := d.Open(name)
	if err != nil {
		fail(rq.w, http.StatusNotFound, "no file "+quote(name)+" in recording "+r.Path)
		return
	}
	defer f.Close()
	if signed {
		rq.signedPlaylist(&r, f)
		return
	}
	st, err := f.Stat()
	if err != nil {
		rq.internal(err)
		return
	}
	h := rq.w.Header()
	h.Set("Content-Type", cmp.Or(dirContentTypes[filepath.Ext(name)], "application/octet-stream"))
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(rq.w, rq.r, "", st.ModTime(), f)
}

// safeName keeps a file name fit for a quoted header parameter.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b[i] = '_'
		}
	}
	return string(b)
}

func (rq *request) pin(id int64, on bool) {
	r, ok := rq.row(id)
	if !ok {
		return
	}
	if r.Status == index.StatusDeleted {
		fail(rq.w, http.StatusConflict, "recording is deleted")
		return
	}
	r, err := rq.api.o.Store.Mark(rq.ctx(), id, index.Mark{Pinned: &on, Updated: rq.api.o.Now()})
	if err != nil {
		rq.internal(err)
		return
	}
	op := index.OpUnpin
	if on {
		op = index.OpPin
	}
	rq.api.journal(index.JournalEntry{Time: r.Updated, Op: op, Path: r.Path})
	reply(rq.w, http.StatusOK, toJSON(&r))
}
