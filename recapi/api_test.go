package recapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
	"github.com/rtmprecd/rtmprecd/recapi"
	"github.com/rtmprecd/rtmprecd/recapi/apitest"
)

var t0 = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)

// rig is the API at /mp4/api/ (Monibuca's mount point) over a real
// SQLite index with 25 recordings of live/cam1, one a minute, the first
// three with real files, and one of live/a/b.
type rig struct {
	store   *sqlite.Store
	dir     string
	journal string
	now     time.Time
	srv     *httptest.Server
	c       *apitest.Client
	ids     []int64 // ids of cam1's rows, oldest first
}

func newRig(t *testing.T, token string) *rig {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, ".index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	golden, err := os.ReadFile(filepath.Join("..", "record", "testdata", "golden", "avc_aac.flv"))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{store: store, dir: dir, journal: filepath.Join(dir, ".index.db.journal"), now: t0.Add(time.Hour)}
	var cs []index.Change
	for i := range 25 {
		p := filepath.Join(dir, fmt.Sprintf("cam1-%d.flv", i))
		if i < 3 {
			os.WriteFile(p, golden, 0o644)
		}
		start := t0.Add(time.Duration(i) * time.Minute)
		cs = append(cs, index.Change{Kind: index.Closed, Row: index.Recording{StreamPath: "live/cam1", App: "live", Name: "cam1",
			Format: "flv", Path: p, Status: index.StatusDone, Start: start, End: start.Add(50 * time.Second),
			Duration: 50 * time.Second, Size: int64(len(golden)), Updated: start}})
	}
	cs = append(cs, index.Change{Kind: index.Closed, Row: index.Recording{StreamPath: "live/a/b", App: "live", Name: "a/b",
		Format: "flv", Path: filepath.Join(dir, "a%2Fb.flv"), Status: index.StatusDone, Start: t0, End: t0.Add(time.Second), Updated: t0}})
	if err := store.Apply(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	rows, _, _ := store.List(context.Background(), index.Query{StreamPath: "live/cam1", Size: 100})
	for i := len(rows) - 1; i >= 0; i-- {
		r.ids = append(r.ids, rows[i].ID)
	}
	j, err := index.OpenJournal(r.journal)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	cfg, err := conf.LoadBytes("t.conf", []byte("rtmp { server { application live { } } }"))
	if err != nil {
		t.Fatal(err)
	}
	api := recapi.New(recapi.Options{Store: store, Journal: j, Config: func() *conf.Config { return cfg },
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return r.now }})
	mux := http.NewServeMux()
	mux.Handle("/mp4/api/", api.Handler("/mp4/api/", token, recapi.ExportLimits{}))
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	r.c = &apitest.Client{T: t, Base: r.srv.URL + "/mp4/api", Token: token}
	return r
}

type listAnswer struct {
	Total int `json:"total"`
	Page  int `json:"page"`
	Size  int `json:"size"`
	Data  []struct {
		ID         int64   `json:"id"`
		StreamPath string  `json:"streamPath"`
		Status     string  `json:"status"`
		Pinned     bool    `json:"pinned"`
		StartTime  string  `json:"startTime"`
		Duration   float64 `json:"duration"`
	} `json:"data"`
}

func (r *rig) list(t *testing.T, query string) listAnswer {
	t.Helper()
	res := r.c.Do("GET", "/list/{streamPath}", "list/live/cam1?"+query, nil)
	if res.Status != 200 {
		t.Fatalf("list?%s: %d %s", query, res.Status, res.Body)
	}
	var a listAnswer
	res.JSON(t, &a)
	return a
}

func ids(a listAnswer) []int64 {
	var out []int64
	for _, d := range a.Data {
		out = append(out, d.ID)
	}
	return out
}

func TestOpenAPIDocumentIsServedWithTheLocationAsServer(t *testing.T) {
	r := newRig(t, "tok")
	apitest.Doc(t)
	c := *r.c
	c.Token = "" // public
	res := c.Do("GET", "/openapi.json", "openapi.json", nil)
	var doc struct {
		OpenAPI string              `json:"openapi"`
		Servers []map[string]string `json:"servers"`
	}
	res.JSON(t, &doc)
	if res.Status != 200 || doc.OpenAPI != "3.1.0" || doc.Servers[0]["url"] != "/mp4/api/" {
		t.Fatalf("%d %+v", res.Status, doc)
	}
}

// TestListPagesWithOurNamesAndMonibucas: page 2 differs from page 1, the
// total is right, newest first, and pageNum/pageSize give the same page.
func TestListPagesWithOurNamesAndMonibucas(t *testing.T) {
	r := newRig(t, "")
	p1, p2 := r.list(t, "page=1&size=10"), r.list(t, "page=2&size=10")
	mb := r.list(t, "pageNum=2&pageSize=10")
	if p1.Total != 25 || p2.Total != 25 || len(p1.Data) != 10 || len(p2.Data) != 10 {
		t.Fatalf("totals %d %d, lengths %d %d", p1.Total, p2.Total, len(p1.Data), len(p2.Data))
	}
	if p1.Data[0].ID != r.ids[24] || p2.Data[0].ID != r.ids[14] || fmt.Sprint(ids(mb)) != fmt.Sprint(ids(p2)) {
		t.Fatalf("page 1 %v, page 2 %v, Monibuca's page 2 %v", ids(p1), ids(p2), ids(mb))
	}
	if last := r.list(t, "page=3&size=10"); len(last.Data) != 5 || last.Data[4].ID != r.ids[0] {
		t.Fatalf("page 3 %v", ids(last))
	}
	if big := r.list(t, "size=100000"); big.Size != 1000 || len(big.Data) != 25 {
		t.Fatalf("size is not bounded: %d", big.Size)
	}
}

// TestListFiltersByTimeInRFC3339AndUnixSeconds: rows overlapping
// 14:02:30-14:04:10 are those opened at 14:02, 14:03 and 14:04.
func TestListFiltersByTimeInRFC3339AndUnixSeconds(t *testing.T) {
	r := newRig(t, "")
	a, b := t0.Add(150*time.Second), t0.Add(250*time.Second)
	rfc := r.list(t, "start="+url.QueryEscape(a.Format(time.RFC3339))+"&end="+url.QueryEscape(b.Format(time.RFC3339)))
	unix := r.list(t, fmt.Sprintf("startTime=%d&endTime=%d", a.Unix(), b.Unix()))
	want := fmt.Sprint([]int64{r.ids[4], r.ids[3], r.ids[2]})
	if fmt.Sprint(ids(rfc)) != want || fmt.Sprint(ids(unix)) != want {
		t.Fatalf("rfc3339 %v, unix %v, want %s", ids(rfc), ids(unix), want)
	}
	if got := r.list(t, "format=mp4"); got.Total != 0 {
		t.Fatalf("format filter: %d", got.Total)
	}
	if got := r.list(t, "eventOnly=true"); got.Total != 0 {
		t.Fatalf("eventOnly: %d", got.Total)
	}
}

func TestBadInputIsA400WithAJSONMessage(t *testing.T) {
	r := newRig(t, "")
	for _, q := range []string{"start=yesterday", "size=0", "page=-1", "status=gone", "eventOnly=maybe",
		"start=2026-03-02T00:00:00Z&end=2026-03-01T00:00:00Z"} {
		res := r.c.Do("GET", "/list/{streamPath}", "list/live/cam1?"+q, nil)
		var e struct {
			Code    int
			Message string
		}
		res.JSON(t, &e)
		if res.Status != 400 || e.Code != 400 || e.Message == "" {
			t.Errorf("%s: %d %s", q, res.Status, res.Body)
		}
	}
	if res := r.c.Do("GET", "/recordings/{id}", "recordings/abc", nil); res.Status != 400 {
		t.Errorf("bad id: %d", res.Status)
	}
	if res := r.c.Do("GET", "/recordings/{id}", "recordings/424242", nil); res.Status != 404 {
		t.Errorf("unknown id: %d", res.Status)
	}
	big := bytes.Repeat([]byte(" "), 100<<10)
	if res := r.c.Do("POST", "/delete/{streamPath}", "delete/live/cam1", big); res.Status != 413 {
		t.Errorf("unbounded body: %d %s", res.Status, res.Body)
	}
}

func TestCatalogSumsEveryStreamWithASlashInItsName(t *testing.T) {
	r := newRig(t, "")
	res := r.c.Do("GET", "/catalog", "catalog", nil)
	var cat struct {
		Data []struct {
			StreamPath string   `json:"streamPath"`
			Count      int      `json:"count"`
			Duration   float64  `json:"duration"`
			FirstStart string   `json:"firstStart"`
			Formats    []string `json:"formats"`
		} `json:"data"`
	}
	res.JSON(t, &cat)
	if len(cat.Data) != 2 || cat.Data[0].StreamPath != "live/a/b" || cat.Data[1].Count != 25 ||
		cat.Data[1].Duration != 25*50 || cat.Data[1].FirstStart != "2026-03-01T14:00:00.000Z" {
		t.Fatalf("%s", res.Body)
	}
	if l := r.c.Do("GET", "/list/{streamPath}", "list/live/a/b", nil); !strings.Contains(string(l.Body), `"name":"a/b"`) {
		t.Fatalf("list of a name with a slash: %s", l.Body)
	}
}

func TestRecordingFileServesRanges(t *testing.T) {
	r := newRig(t, "")
	id := r.ids[0]
	whole, _ := os.ReadFile(filepath.Join(r.dir, "cam1-0.flv"))
	res := r.c.Do("GET", "/recordings/{id}/file", fmt.Sprintf("recordings/%d/file", id), nil, "Range", "bytes=0-12")
	if res.Status != 206 || !bytes.Equal(res.Body, whole[:13]) || res.Header.Get("Content-Type") != "video/x-flv" ||
		res.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-12/%d", len(whole)) {
		t.Fatalf("%d %q %v", res.Status, res.Body, res.Header)
	}
	full := r.c.Do("GET", "/recordings/{id}/file", fmt.Sprintf("recordings/%d/file", id), nil)
	if full.Status != 200 || !bytes.Equal(full.Body, whole) {
		t.Fatalf("whole file: %d, %d bytes", full.Status, len(full.Body))
	}
	if gone := r.c.Do("GET", "/recordings/{id}/file", fmt.Sprintf("recordings/%d/file", r.ids[10]), nil); gone.Status != 404 {
		t.Fatalf("file that is not there: %d", gone.Status)
	}
}

// TestTokenSignedURLAndSessionCookie: the token guards every call; a
// signed URL or the login cookie opens only the file routes, a tampered
// or expired signature nothing.
func TestTokenSignedURLAndSessionCookie(t *testing.T) {
	r := newRig(t, "s3cret")
	file := fmt.Sprintf("recordings/%d/file", r.ids[0])
	anon := *r.c
	anon.Token = ""
	wrong := *r.c
	wrong.Token = "nope"
	if res := anon.Do("GET", "/list/{streamPath}", "list/live/cam1", nil); res.Status != 401 {
		t.Fatalf("no token: %d", res.Status)
	}
	if res := wrong.Do("GET", "/list/{streamPath}", "list/live/cam1", nil); res.Status != 403 {
		t.Fatalf("wrong token: %d", res.Status)
	}
	res := r.c.Do("GET", "/sign", "sign?path="+url.QueryEscape(file), nil)
	var signed struct{ URL string }
	res.JSON(t, &signed)
	if res.Status != 200 || strings.Contains(signed.URL, "s3cret") {
		t.Fatalf("sign: %d %s", res.Status, res.Body)
	}
	get := func(u string, hdr ...string) int {
		req, _ := http.NewRequest("GET", r.srv.URL+u, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get(signed.URL); s != 200 {
		t.Fatalf("signed URL: %d", s)
	}
	if s := get(strings.Replace(signed.URL, "sig=", "sig=x", 1)); s != 401 {
		t.Fatalf("tampered signature: %d", s)
	}
	other := strings.Replace(signed.URL, fmt.Sprint(r.ids[0]), fmt.Sprint(r.ids[1]), 1)
	if s := get(other); s != 401 {
		t.Fatalf("signature of another file: %d", s)
	}
	if s := get(strings.Replace(signed.URL, "/file", "", 1)); s != 401 {
		t.Fatalf("signature on a route that is not a file: %d", s)
	}
	r.now = r.now.Add(2 * time.Hour)
	if s := get(signed.URL); s != 401 {
		t.Fatalf("expired signature: %d", s)
	}
	login := r.c.Do("POST", "/login", "login", nil)
	ck := login.Header.Get("Set-Cookie")
	if login.Status != 200 || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Strict") || !strings.Contains(ck, "Path=/mp4/api/") {
		t.Fatalf("login: %d %q", login.Status, ck)
	}
	cookie := strings.Split(ck, ";")[0]
	if s := get("/mp4/api/"+file, "Cookie", cookie); s != 200 {
		t.Fatalf("cookie on a file route: %d", s)
	}
	if s := get("/mp4/api/list/live/cam1", "Cookie", cookie); s != 401 {
		t.Fatalf("cookie on list: %d", s)
	}
}

type deleteAnswer struct {
	Results []struct {
		ID      int64  `json:"id"`
		Deleted bool   `json:"deleted"`
		Status  string `json:"status"`
	} `json:"results"`
}

// TestDeleteRemovesFilesAndRefusesPinnedOrInProgress: a pinned row and
// one in progress are refused, an unknown id is not found, the others
// lose their file and become deleted; force deletes the pinned one; the
// journal keeps the pin and the deleted rows for rebuild.
func TestDeleteRemovesFilesAndRefusesPinnedOrInProgress(t *testing.T) {
	r := newRig(t, "")
	ctx := context.Background()
	live := index.Recording{StreamPath: "live/cam1", App: "live", Name: "cam1", Format: "flv",
		Path: filepath.Join(r.dir, "now.flv"), Start: t0.Add(time.Hour)}
	r.store.Apply(ctx, []index.Change{{Kind: index.Opened, Row: live}})
	now, _ := r.store.Live(ctx, live.Path)
	if res := r.c.Do("POST", "/recordings/{id}/pin", fmt.Sprintf("recordings/%d/pin", r.ids[0]), nil); res.Status != 200 ||
		!strings.Contains(string(res.Body), `"pinned":true`) {
		t.Fatalf("pin: %d %s", res.Status, res.Body)
	}
	body := fmt.Sprintf(`{"ids": [%d, %d, %d, 999]}`, r.ids[0], r.ids[1], now.ID)
	res := r.c.Do("POST", "/delete/{streamPath}", "delete/live/cam1", []byte(body))
	var a deleteAnswer
	res.JSON(t, &a)
	got := fmt.Sprint(a.Results)
	want := fmt.Sprintf("[{%d false pinned} {%d true deleted} {%d false inProgress} {999 false notFound}]", r.ids[0], r.ids[1], now.ID)
	if res.Status != 200 || got != want {
		t.Fatalf("delete: %d %s, want %s", res.Status, got, want)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "cam1-1.flv")); !os.IsNotExist(err) {
		t.Fatalf("file of a deleted row is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "cam1-0.flv")); err != nil {
		t.Fatalf("file of a refused (pinned) row: %v", err)
	}
	if l := r.list(t, ""); l.Total != 25 { // 25 - 1 deleted + 1 in progress
		t.Fatalf("list after delete: %d", l.Total)
	}
	if d := r.list(t, "status=deleted"); d.Total != 1 || d.Data[0].ID != r.ids[1] {
		t.Fatalf("deleted rows %v", ids(d))
	}
	res = r.c.Do("POST", "/delete/{streamPath}", "delete/live/cam1", []byte(fmt.Sprintf(`{"ids": [%d], "force": true}`, r.ids[0])))
	if res.JSON(t, &a); !a.Results[0].Deleted {
		t.Fatalf("force: %s", res.Body)
	}
	b, _ := os.ReadFile(r.journal)
	es, err := index.ReadJournal(bytes.NewReader(b))
	if err != nil || len(es) != 3 || es[0].Op != index.OpPin || es[1].Op != index.OpDelete || es[2].Row == nil || es[2].Row.ID != r.ids[0] {
		t.Fatalf("journal %s: %v", b, err)
	}
}

// TestDeleteByTimeRangeWithMonibucasNames deletes what overlaps a range
// given as startTime/endTime.
func TestDeleteByTimeRangeWithMonibucasNames(t *testing.T) {
	r := newRig(t, "")
	body, _ := json.Marshal(map[string]any{"startTime": t0.Add(150 * time.Second).Format(time.RFC3339), "endTime": t0.Add(250 * time.Second).Unix()})
	res := r.c.Do("POST", "/delete/{streamPath}", "delete/live/cam1", body)
	var a deleteAnswer
	res.JSON(t, &a)
	if res.Status != 200 || len(a.Results) != 3 || !a.Results[0].Deleted || a.Results[0].ID != r.ids[4] {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	for _, bad := range []string{`{}`, `{"ids": [1], "start": 1, "end": 2}`, `{"ids": [-1]}`, `{"idz": [1]}`, `not json`} {
		if res := r.c.Do("POST", "/delete/{streamPath}", "delete/live/cam1", []byte(bad)); res.Status != 400 {
			t.Errorf("%s: %d", bad, res.Status)
		}
	}
}

func TestStartWithoutRecorderAndUnknownApplication(t *testing.T) {
	r := newRig(t, "")
	if res := r.c.Do("POST", "/start/{streamPath}", "start/live/cam1", nil); res.Status != 501 {
		t.Fatalf("no recorder: %d %s", res.Status, res.Body)
	}
	if res := r.c.Do("POST", "/start/{streamPath}", "start/nope/cam1", nil); res.Status != 501 {
		t.Fatalf("no recorder, unknown application: %d", res.Status)
	}
}
