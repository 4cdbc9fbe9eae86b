package recapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/playback"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// maxPlaylist bounds the playlist a signed request reads to rewrite: a
// day of 2-second segments is under 3 MB.
const maxPlaylist = 16 << 20

// signedQuery is the query that signs the API path p with the expiry of
// this request's own signature, or "" when the request is not signed (a
// token or the cookie still opens p). Each signature names one path, as
// those of sign do, so a signed playlist hands out access to the files
// it lists and to nothing else.
func (rq *request) signedQuery(p string) string {
	if !rq.signed() {
		return ""
	}
	exp := rq.r.URL.Query().Get("exp")
	return url.Values{"exp": {exp}, "sig": {rq.mac(p + "\n" + exp)}}.Encode()
}

// signed: the request carries a valid signature of its path (and a
// token is set, without which nothing is signed).
func (rq *request) signed() bool {
	return rq.token != "" && rq.r.URL.Query().Has("exp") && rq.validSignature()
}

// dirPath is the API path of the file name in recording id's directory.
func (rq *request) dirPath(id int64, name string) string {
	return rq.prefix + "/recordings/" + strconv.FormatInt(id, 10) + "/file/" + url.PathEscape(name)
}

// signedPlaylist serves the playlist of HLS recording r on a signed
// request: the playlist read (from disk, or from the node that holds the
// recording) with each segment and #EXT-X-MAP URI signed for its own
// file, because a relative URI drops the playlist's query and a player
// sends no header. The file on disk is not changed.
func (rq *request) signedPlaylist(r *index.Recording, local io.Reader) {
	var b []byte
	var err error
	if local != nil {
		b, err = io.ReadAll(io.LimitReader(local, maxPlaylist+1))
	} else {
		b, err = playback.ReadFile(rq.rowFiles(*r), hls.PlaylistName)
	}
	if err == nil && len(b) > maxPlaylist {
		err = fmt.Errorf("playlist over %d bytes", maxPlaylist)
	}
	if err != nil {
		rq.badGateway(fmt.Errorf("recording %d: read %s: %w", r.ID, hls.PlaylistName, err))
		return
	}
	out, err := signURIs(b, func(name string) string { return name + "?" + rq.signedQuery(rq.dirPath(r.ID, name)) })
	if err != nil {
		rq.internal(fmt.Errorf("recording %d: %w", r.ID, err))
		return
	}
	h := rq.w.Header()
	h.Set("Content-Type", dirContentTypes[".m3u8"])
	h.Set("Cache-Control", "private, no-cache") // the signatures expire
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(rq.w, rq.r, "", time.Time{}, bytes.NewReader(out))
}

// signURIs rewrites the media playlist b, one of ours (hls.Parse accepts
// it), with every segment URI and #EXT-X-MAP URI replaced by sign(URI);
// every other line is kept as it is.
func signURIs(b []byte, sign func(name string) string) ([]byte, error) {
	if _, err := hls.Parse(b); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(len(b) * 2)
	for line := range strings.Lines(string(b)) {
		text := strings.TrimSuffix(line, "\n")
		switch {
		case text == "" || strings.HasPrefix(text, "#") && !strings.HasPrefix(text, "#EXT-X-MAP:"):
			out.WriteString(line)
			continue
		case strings.HasPrefix(text, "#EXT-X-MAP:"):
			name := strings.TrimSuffix(strings.TrimPrefix(text, `#EXT-X-MAP:URI="`), `"`)
			fmt.Fprintf(&out, "#EXT-X-MAP:URI=%q", sign(name))
		default:
			out.WriteString(sign(text))
		}
		out.WriteString(line[len(text):])
	}
	return out.Bytes(), nil
}
