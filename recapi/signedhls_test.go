package recapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/playback/playbacktest"
	"github.com/rtmprecd/rtmprecd/recapi"
	"github.com/rtmprecd/rtmprecd/recapi/apitest"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// TestSignedHLSFilePlaysWithoutToken: a signed URL of an HLS recording's
// file (fMP4 and MPEG-TS segments) plays in ffprobe over HTTP with no
// token: the redirect to file/index.m3u8 carries a signature of that
// path, the playlist is served with every segment and map URI signed for
// its own file (the playlist on disk once the queries are stripped), and
// ffprobe reads every frame the recording on disk holds. Without token
// or signature, with a segment's signature on another segment, and once
// expired, the files are refused.
func TestSignedHLSFilePlaysWithoutToken(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 6)
	clipVideo, _ := testmedia.ProbePackets(t, clip)
	for _, kind := range []string{"hls", "hls-ts"} {
		t.Run(kind, func(t *testing.T) {
			recs := playbacktest.Record(t, clip, kind, t.TempDir(), time.Minute, playbacktest.Epoch)
			r := newExportRig(t, recapi.ExportLimits{}, recs)
			row := recs[0].Row
			signed := r.sign(t, fmt.Sprintf("recordings/%d/file", row.ID))
			anon := *r.c
			anon.Token = ""
			stay := anon
			stay.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res := stay.Do("GET", "/recordings/{id}/file", strings.TrimPrefix(signed, "/mp4/api/"), nil)
			loc := res.Header.Get("Location")
			if res.Status != http.StatusFound || !strings.HasPrefix(loc, "file/"+hls.PlaylistName+"?") || !strings.Contains(loc, "sig=") {
				t.Fatalf("signed GET file: %d, Location %q", res.Status, loc)
			}
			plPath := fmt.Sprintf("recordings/%d/file/%s", row.ID, hls.PlaylistName)
			pl := anon.Do("GET", "/recordings/{id}/file/{name}", plPath+loc[len("file/"+hls.PlaylistName):], nil)
			disk, err := os.ReadFile(filepath.Join(row.Path, hls.PlaylistName))
			if err != nil {
				t.Fatal(err)
			}
			names := checkSignedPlaylist(t, string(pl.Body), string(disk))
			if pl.Status != 200 || len(names) < 2 || kind == "hls" && names[0] != "init.mp4" {
				t.Fatalf("signed playlist: %d, files %v\n%s", pl.Status, names, pl.Body)
			}
			wantV, wantA := testmedia.ProbePackets(t, filepath.Join(row.Path, hls.PlaylistName))
			v, a := testmedia.ProbePackets(t, r.srv.URL+signed)
			if v != wantV || a != wantA || v != clipVideo {
				t.Errorf("ffprobe over HTTP read %d video %d audio frames; on disk %d and %d; the clip %d video", v, a, wantV, wantA, clipVideo)
			}
			refused(t, &anon, fmt.Sprintf("recordings/%d/file", row.ID), 401)
			refused(t, &anon, plPath, 401)
			refused(t, &anon, fmt.Sprintf("recordings/%d/file/%s", row.ID, names[1]), 401)
			segSig := signatureOf(t, string(pl.Body), names[len(names)-1])
			other := fmt.Sprintf("recordings/%d/file/%s?%s", row.ID, names[len(names)-2], segSig)
			refused(t, &anon, other, 401)
			r.ahead.Store(int64(2 * time.Hour))
			refused(t, &anon, strings.TrimPrefix(signed, "/mp4/api/"), 401)
			refused(t, &anon, plPath+loc[len("file/"+hls.PlaylistName):], 401)
		})
	}
}

// checkSignedPlaylist checks that the served playlist is the one on disk
// with a signature on each file URI, and returns the files it names in
// order (a map first where one is).
func checkSignedPlaylist(t *testing.T, served, disk string) []string {
	t.Helper()
	var names []string
	stripped := served
	for line := range strings.Lines(served) {
		uri := strings.TrimSuffix(line, "\n")
		if m, ok := strings.CutPrefix(uri, `#EXT-X-MAP:URI="`); ok {
			uri = strings.TrimSuffix(m, `"`)
		} else if strings.HasPrefix(uri, "#") {
			continue
		}
		name, q, ok := strings.Cut(uri, "?")
		v, err := url.ParseQuery(q)
		if !ok || err != nil || v.Get("exp") == "" || v.Get("sig") == "" {
			t.Errorf("unsigned file URI %q", uri)
			continue
		}
		names = append(names, name)
		stripped = strings.Replace(stripped, uri, name, 1)
	}
	if stripped != disk {
		t.Errorf("served playlist without its queries:\n%s\nis not the one on disk:\n%s", stripped, disk)
	}
	return names
}

// signatureOf is the query the served playlist gives file name.
func signatureOf(t *testing.T, pl, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(pl, "\n"+name+"?")
	if !ok {
		t.Fatalf("%s is not in the playlist:\n%s", name, pl)
	}
	q, _, _ := strings.Cut(rest, "\n")
	return q
}

// refused checks that a GET of path (a recording's file, or a file of
// its directory) answers status.
func refused(t *testing.T, c *apitest.Client, path string, status int) {
	t.Helper()
	template := "/recordings/{id}/file"
	if strings.Contains(strings.SplitN(path, "?", 2)[0], "/file/") {
		template += "/{name}"
	}
	if res := c.Do("GET", template, path, nil); res.Status != status {
		t.Errorf("GET %s: %d, want %d", path, res.Status, status)
	}
}
