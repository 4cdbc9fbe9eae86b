package recapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/playback/playbacktest"
	"github.com/rtmprecd/rtmprecd/recapi"
	"github.com/rtmprecd/rtmprecd/recapi/apitest"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// TestHLSFileRedirectsToItsPlaylist: the file of an HLS recording (fMP4
// and MPEG-TS segments) is a 302 to file/index.m3u8, for GET and HEAD; a
// client that follows it, as a player or `curl -L` does, gets the
// playlist as it is on disk, and every URI in it (init segment,
// segments), resolved against the playlist's URL, answers the bytes of
// that file on disk.
func TestHLSFileRedirectsToItsPlaylist(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 6)
	for _, kind := range []string{"hls", "hls-ts"} {
		t.Run(kind, func(t *testing.T) {
			recs := playbacktest.Record(t, clip, kind, t.TempDir(), time.Minute, playbacktest.Epoch)
			r := newExportRig(t, recapi.ExportLimits{}, recs)
			row := recs[0].Row
			file := fmt.Sprintf("recordings/%d/file", row.ID)
			stay := *r.c
			stay.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res := stay.Do("GET", "/recordings/{id}/file", file, nil)
			if res.Status != http.StatusFound || res.Header.Get("Location") != "file/"+hls.PlaylistName {
				t.Fatalf("GET %s: %d, Location %q", file, res.Status, res.Header.Get("Location"))
			}
			head, err := http.NewRequest("HEAD", r.c.Base+"/"+file, nil) // HEAD is not in openapi.json
			if err != nil {
				t.Fatal(err)
			}
			head.Header.Set("Authorization", "Bearer tok")
			hres, err := stay.Client.Do(head)
			if err != nil {
				t.Fatal(err)
			}
			hres.Body.Close()
			if hres.StatusCode != http.StatusFound || hres.Header.Get("Location") != "file/"+hls.PlaylistName {
				t.Fatalf("HEAD %s: %d, Location %q", file, hres.StatusCode, hres.Header.Get("Location"))
			}
			pl, plURL := followToPlaylist(t, r.c, file, row.Path)
			p, err := hls.Parse(pl)
			if err != nil || !p.Ended || len(p.Segments) < 2 {
				t.Fatalf("playlist: %v\n%s", err, pl)
			}
			uris := map[string]bool{}
			for _, s := range p.Segments {
				uris[s.URI] = true
				if s.Map != "" {
					uris[s.Map] = true
				}
			}
			if kind == "hls" && !uris["init.mp4"] {
				t.Errorf("fMP4 playlist without its init segment: %v", uris)
			}
			for uri := range uris {
				fetchBeside(t, r.c, plURL, uri, filepath.Join(row.Path, uri))
			}
		})
	}
}

// followToPlaylist GETs file with a client that follows redirects and
// checks the answer is the playlist on disk in dir, served by the
// per-file route; it returns the playlist and its URL.
func followToPlaylist(t *testing.T, c *apitest.Client, file, dir string) ([]byte, *url.URL) {
	t.Helper()
	req, err := http.NewRequest("GET", c.Base+"/"+file, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token) // kept on a same-host redirect
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	apitest.Validate(t, res.Request, "/recordings/{id}/file/{name}", res.StatusCode, res.Header, body)
	disk, err := os.ReadFile(filepath.Join(dir, hls.PlaylistName))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasSuffix(res.Request.URL.Path, "/"+file+"/"+hls.PlaylistName) ||
		res.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" || !bytes.Equal(body, disk) {
		t.Fatalf("followed to %s: %d %q, %d bytes of %d on disk", res.Request.URL, res.StatusCode,
			res.Header.Get("Content-Type"), len(body), len(disk))
	}
	return body, res.Request.URL
}

// fetchBeside GETs uri resolved against the playlist's URL and compares
// the answer with the file on disk.
func fetchBeside(t *testing.T, c *apitest.Client, playlist *url.URL, uri, disk string) {
	t.Helper()
	ref, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	u := playlist.ResolveReference(ref).String()
	rel, ok := strings.CutPrefix(u, c.Base+"/")
	if !ok {
		t.Fatalf("%s resolves to %s, outside the API at %s", uri, u, c.Base)
	}
	res := c.Do("GET", "/recordings/{id}/file/{name}", rel, nil)
	want, err := os.ReadFile(disk)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || len(res.Body) != len(want) || !bytes.Equal(res.Body, want) {
		t.Errorf("%s: %d, %d bytes, %d on disk", u, res.Status, len(res.Body), len(want))
	}
}

// TestDeleteRemovesAnHLSRecordingWhole: delete of an HLS recording (fMP4
// and MPEG-TS segments) removes its directory with every file in it,
// the lock file included, and marks the row deleted; its file is then
// 404. A directory without the lock file, which is no recording of ours,
// is refused and left as it is.
func TestDeleteRemovesAnHLSRecordingWhole(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 6)
	for _, kind := range []string{"hls", "hls-ts"} {
		t.Run(kind, func(t *testing.T) {
			recs := playbacktest.Record(t, clip, kind, t.TempDir(), 2*time.Second, playbacktest.Epoch)
			if len(recs) < 2 {
				t.Fatalf("%d recordings, want 2 or more", len(recs))
			}
			r := newExportRig(t, recapi.ExportLimits{}, recs)
			gone, foreign := recs[0].Row, recs[1].Row
			ents, err := os.ReadDir(gone.Path)
			if err != nil || len(ents) < 3 || !hasLock(ents) {
				t.Fatalf("%s holds %d files (lock among them: %v): %v", gone.Path, len(ents), hasLock(ents), err)
			}
			if err := os.Remove(filepath.Join(foreign.Path, recfile.DirLock)); err != nil {
				t.Fatal(err)
			}
			left, _ := os.ReadDir(foreign.Path)
			body := fmt.Appendf(nil, `{"ids": [%d, %d]}`, gone.ID, foreign.ID)
			res := r.c.Do("POST", "/delete/{streamPath}", "delete/live/cam", body)
			var out struct{ Results []struct{ Status string } }
			res.JSON(t, &out)
			if res.Status != 200 || len(out.Results) != 2 || out.Results[0].Status != "deleted" || out.Results[1].Status != "failed" {
				t.Fatalf("delete: %d %s", res.Status, res.Body)
			}
			if _, err := os.Lstat(gone.Path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s after delete: %v", gone.Path, err)
			}
			if now, _ := os.ReadDir(foreign.Path); len(now) != len(left) || len(left) < 2 {
				t.Errorf("the directory without a lock file held %d files, now %d", len(left), len(now))
			}
			if res := r.c.Do("GET", "/recordings/{id}/file", fmt.Sprintf("recordings/%d/file", gone.ID), nil); res.Status != 404 {
				t.Errorf("file of the deleted recording: %d", res.Status)
			}
			row, err := r.store.Get(context.Background(), gone.ID)
			if err != nil || row.Status != index.StatusDeleted {
				t.Errorf("row %+v, %v", row, err)
			}
		})
	}
}

func hasLock(ents []os.DirEntry) bool {
	for _, e := range ents {
		if e.Name() == recfile.DirLock {
			return true
		}
	}
	return false
}
