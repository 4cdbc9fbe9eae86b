package recapi

import (
	"net/http"
	"os"
	"path/filepath"

	"github.com/rtmprecd/rtmprecd/index"
)

// contentTypes by format.
var contentTypes = map[string]string{"flv": "video/x-flv", "mp4": "video/mp4", "fmp4": "video/mp4"}

// file serves a recording's bytes with Range support (http.ServeContent).
func (rq *request) file(id int64) {
	r, ok := rq.row(id)
	if !ok {
		return
	}
	if r.Status == index.StatusDeleted || r.Status == index.StatusMissing {
		fail(rq.w, http.StatusNotFound, "recording "+r.Path+" is "+string(r.Status))
		return
	}
	if ns, remote := rq.api.owner(&r); remote {
		rq.forwardFile(ns, &r)
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
