package recapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/playback/playbacktest"
	"github.com/rtmprecd/rtmprecd/recapi"
	"github.com/rtmprecd/rtmprecd/recapi/apitest"
)

func TestMain(m *testing.M) { testmedia.Main(m) }

// exportRig is the API at /mp4/api/ on a 127.0.0.1 listener over a real
// SQLite index of real recordings of live/cam made by our muxers.
type exportRig struct {
	store *sqlite.Store
	srv   *httptest.Server
	c     *apitest.Client
	ahead atomic.Int64 // how far the API's clock runs ahead of time.Now, ns: expires signatures
}

func newExportRig(t *testing.T, lim recapi.ExportLimits, recs ...[]playbacktest.Recorded) *exportRig {
	t.Helper()
	store := playbacktest.NewStore(t, recs...)
	cfg, err := conf.LoadBytes("t.conf", []byte("rtmp { server { application live { } } }"))
	if err != nil {
		t.Fatal(err)
	}
	r := &exportRig{store: store}
	now := func() time.Time { return time.Now().Add(time.Duration(r.ahead.Load())) }
	api := recapi.New(recapi.Options{Store: store, Config: func() *conf.Config { return cfg }, Logger: slog.New(slog.DiscardHandler), Now: now})
	mux := http.NewServeMux()
	mux.Handle("/mp4/api/", api.Handler("/mp4/api/", "tok", lim))
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	r.c = &apitest.Client{T: t, Base: r.srv.URL + "/mp4/api", Token: "tok"}
	return r
}

// rangeQuery is start and end as Unix seconds, from the fixtures' epoch.
func rangeQuery(from, to time.Duration) string {
	s := func(d time.Duration) string {
		return strconv.FormatFloat(float64(playbacktest.Epoch.Add(d).UnixMilli())/1000, 'f', 3, 64)
	}
	return "start=" + s(from) + "&end=" + s(to)
}

// recordMP4 records a 25-second clip as mp4 files split every 10 s.
func recordMP4(t *testing.T) []playbacktest.Recorded {
	clip := testmedia.ClipLength(t, testmedia.AV, 25)
	return playbacktest.Record(t, clip, "mp4", t.TempDir(), 10*time.Second, playbacktest.Epoch)
}

// TestExportRangeRequests: every Range answer of the mp4 export is 206
// with exactly the bytes of the whole file at that range; from mp4
// recordings and from HLS MPEG-TS ones, whose samples are gathered from
// their transport packets again for each range.
func TestExportRangeRequests(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 25)
	for _, src := range []string{"mp4", "hls-ts"} {
		t.Run(src, func(t *testing.T) {
			testRangeRequests(t, newExportRig(t, recapi.ExportLimits{}, playbacktest.Record(t, clip, src, t.TempDir(), 10*time.Second, playbacktest.Epoch)))
		})
	}
}

func testRangeRequests(t *testing.T, r *exportRig) {
	path := "export/live/cam?format=mp4&" + rangeQuery(4500*time.Millisecond, 23200*time.Millisecond)
	whole := r.c.Do("GET", "/export/{streamPath}", path, nil)
	if whole.Status != 200 || whole.Header.Get("Content-Type") != "video/mp4" || len(whole.Body) < 10000 {
		t.Fatalf("whole: %d %q %d bytes", whole.Status, whole.Header.Get("Content-Type"), len(whole.Body))
	}
	if cd := whole.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="live_cam_20250301T140004Z-20250301T140023Z.mp4"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if string(whole.Body[4:8]) != "ftyp" || !bytes.Contains(whole.Body[:64<<10], []byte("moov")) {
		t.Errorf("not a faststart mp4: %q", whole.Body[:32])
	}
	head, err := http.NewRequest("HEAD", r.c.Base+"/"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	head.Header.Set("Authorization", "Bearer tok")
	hres, err := http.DefaultClient.Do(head)
	if err != nil {
		t.Fatal(err)
	}
	hres.Body.Close()
	if hres.StatusCode != 200 || hres.ContentLength != int64(len(whole.Body)) || hres.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("HEAD: %d, length %d of %d, Accept-Ranges %q", hres.StatusCode, hres.ContentLength, len(whole.Body), hres.Header.Get("Accept-Ranges"))
	}
	n := int64(len(whole.Body))
	mdat := int64(bytes.Index(whole.Body, []byte("mdat")))
	for _, rg := range [][2]int64{{0, 99}, {mdat - 100, mdat + 5000}, {n / 2, n/2 + 70000}, {n - 1000, n - 1}, {-1, 500}} {
		hdr, want := fmt.Sprintf("bytes=-%d", rg[1]), whole.Body[n-rg[1]:] // a suffix
		if rg[0] >= 0 {
			hdr, want = fmt.Sprintf("bytes=%d-%d", rg[0], rg[1]), whole.Body[rg[0]:rg[1]+1]
		}
		res := r.c.Do("GET", "/export/{streamPath}", path, nil, "Range", hdr)
		if res.Status != 206 || !bytes.Equal(res.Body, want) {
			t.Errorf("%s: %d, %d bytes, equal %v", hdr, res.Status, len(res.Body), bytes.Equal(res.Body, want))
		}
		if cr := res.Header.Get("Content-Range"); !strings.HasSuffix(cr, fmt.Sprintf("/%d", n)) {
			t.Errorf("%s: Content-Range %q", hdr, cr)
		}
	}
}

// TestExportSeekOverHTTP: ffmpeg seeking to 7.3 s in the served MP4 (over
// HTTP with Range, through a signed URL) lands on the key frame at 7 s:
// it copies the 305 video frames from there to the end of the 480.
func TestExportSeekOverHTTP(t *testing.T) {
	r := newExportRig(t, recapi.ExportLimits{}, recordMP4(t))
	signed := r.sign(t, "export/live/cam")
	src := r.srv.URL + signed + "&format=mp4&" + rangeQuery(4500*time.Millisecond, 23200*time.Millisecond)
	out := filepath.Join(t.TempDir(), "seeked.mp4")
	cmd := exec.Command(testmedia.RequireFFmpeg(t), "-nostdin", "-v", "error", "-ss", "7.3", "-i", src,
		"-map", "0:v:0", "-c", "copy", "-y", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	v, _ := testmedia.ProbePackets(t, out)
	if v != 305 {
		t.Errorf("ffmpeg -ss 7.3 copied %d video frames, want 305 (from the key frame at 7 s)", v)
	}
	if pk := testmedia.Packets(t, out); len(pk) == 0 || !pk[0].Key {
		t.Errorf("the seeked copy does not start with a key frame: %+v", pk[:min(1, len(pk))])
	}
}

// sign mints a signed URL (path and query) for path below the API.
func (r *exportRig) sign(t *testing.T, path string) string {
	t.Helper()
	res := r.c.Do("GET", "/sign", "sign?path="+url.QueryEscape(path), nil)
	var s struct{ URL string }
	res.JSON(t, &s)
	if res.Status != 200 || !strings.Contains(s.URL, "sig=") {
		t.Fatalf("sign: %d %s", res.Status, res.Body)
	}
	return s.URL
}

// TestExportSignedURL: a signed export URL opens the export without the
// token; without token or signature, or with a signature of another
// path, the export is refused.
func TestExportSignedURL(t *testing.T) {
	r := newExportRig(t, recapi.ExportLimits{}, recordMP4(t))
	q := "&format=flv&" + rangeQuery(0, 5*time.Second)
	anon := *r.c
	anon.Token = ""
	signed := strings.TrimPrefix(r.sign(t, "export/live/cam"), "/mp4/api/")
	if res := anon.Do("GET", "/export/{streamPath}", signed+q, nil); res.Status != 200 || string(res.Body[:3]) != "FLV" {
		t.Errorf("signed: %d %.40q", res.Status, res.Body)
	}
	if res := anon.Do("GET", "/export/{streamPath}", "export/live/cam?"+q[1:], nil); res.Status != 401 {
		t.Errorf("no token: %d %s", res.Status, res.Body)
	}
	other := strings.Replace(signed, "export/live/cam", "export/live/other", 1)
	if res := anon.Do("GET", "/export/{streamPath}", other+q, nil); res.Status != 401 {
		t.Errorf("signature of another path: %d %s", res.Status, res.Body)
	}
	if res := anon.Do("GET", "/timeline/{streamPath}", strings.Replace(signed, "export/", "timeline/", 1)+q, nil); res.Status != 401 {
		t.Errorf("a signed export URL opened the timeline: %d", res.Status)
	}
}

// TestExportInfoAndTimeline: info=1 and timeline answer what the export
// holds (validated against openapi.json), with the gap of a file moved
// 5 s later.
func TestExportInfoAndTimeline(t *testing.T) {
	rec := recordMP4(t)
	rec[2].Row.Start = rec[2].Row.Start.Add(5 * time.Second)
	rec[2].Row.End = rec[2].Row.End.Add(5 * time.Second)
	r := newExportRig(t, recapi.ExportLimits{}, rec)
	res := r.c.Do("GET", "/export/{streamPath}", "export/live/cam?info=1&"+rangeQuery(4500*time.Millisecond, 30*time.Second), nil)
	var info struct {
		First       time.Time
		VideoFrames int64
		Gaps        []struct{ Start, End time.Time }
		Recordings  []struct{ ID int64 }
	}
	res.JSON(t, &info)
	near := func(a time.Time, d time.Duration) bool {
		return a.Sub(playbacktest.Epoch.Add(d)).Abs() < 100*time.Millisecond
	}
	if res.Status != 200 || !near(info.First, 4*time.Second) || len(info.Recordings) != 3 ||
		len(info.Gaps) != 1 || info.VideoFrames != int64(25*(25-4)) {
		t.Fatalf("info: %d %s", res.Status, res.Body)
	}
	res = r.c.Do("GET", "/export/{streamPath}", "export/live/cam?format=fmp4&"+rangeQuery(4500*time.Millisecond, 30*time.Second), nil)
	if g := res.Header.Get("X-Export-Gaps"); res.Status != 200 || !strings.Contains(g, "2025-03-01T14:00:20") || !strings.Contains(g, "/2025-03-01T14:00:25") {
		t.Errorf("fmp4: %d, X-Export-Gaps %q", res.Status, g)
	}
	err := r.store.Apply(context.Background(), []index.Change{{Kind: index.EventMarked, Row: rec[1].Row,
		Event: &index.Event{EventID: "door", Name: "door", Trigger: playbacktest.Epoch.Add(12 * time.Second), Offset: 2 * time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	res = r.c.Do("GET", "/timeline/{streamPath}", "timeline/live/cam?"+rangeQuery(0, time.Minute), nil)
	var tl struct {
		Intervals []struct{ Start, End time.Time }
		Gaps      []struct{ Start, End time.Time }
		Events    []struct{ EventID string }
	}
	res.JSON(t, &tl)
	if res.Status != 200 || len(tl.Intervals) != 3 || len(tl.Gaps) != 2 || !near(tl.Intervals[2].Start, 25*time.Second) ||
		len(tl.Events) != 1 || tl.Events[0].EventID != "door" {
		t.Errorf("timeline: %d %s", res.Status, res.Body)
	}
	res = r.c.Do("GET", "/timeline/{streamPath}", "timeline/live/cam?"+rangeQuery(time.Hour, 2*time.Hour), nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), `"intervals":[]`) {
		t.Errorf("timeline of nothing: %d %s", res.Status, res.Body)
	}
}

// TestExportErrors: 400 for a bad query, 404 for a range nothing covers,
// 422 naming record_export_max for a range longer than it.
func TestExportErrors(t *testing.T) {
	r := newExportRig(t, recapi.ExportLimits{Max: time.Minute}, recordMP4(t))
	for _, tt := range []struct {
		query string
		code  int
		msg   string
	}{
		{"export/live/cam?" + rangeQuery(0, 61*time.Second), 422, "longer than record_export_max 1m0s"},
		{"export/live/cam?start=1740837600&duration=90s", 422, "record_export_max"},
		{"export/live/cam?" + rangeQuery(time.Hour, time.Hour+time.Second), 404, "no recording of live/cam"},
		{"export/live/none?" + rangeQuery(0, time.Second), 404, "no recording"},
		{"export/live/cam?" + rangeQuery(0, time.Second) + "&format=avi", 400, "format must be"},
		{"export/live/cam?start=1740837600", 400, "start and end"},
		{"export/live/cam?" + rangeQuery(time.Second, 0), 400, "end must be after start"},
	} {
		res := r.c.Do("GET", "/export/{streamPath}", tt.query, nil)
		if res.Status != tt.code || !strings.Contains(string(res.Body), tt.msg) {
			t.Errorf("%s: %d %s, want %d %q", tt.query, res.Status, res.Body, tt.code, tt.msg)
		}
	}
	// progressive MP4 recordings cannot be byte ranges of an HLS playlist
	res := r.c.Do("GET", "/playlist/{streamPath}.m3u8", "playlist/live/cam.m3u8?"+rangeQuery(0, 5*time.Second), nil)
	if res.Status != 422 || !strings.Contains(string(res.Body), "format=fmp4") {
		t.Errorf("playlist of mp4 recordings: %d %s", res.Status, res.Body)
	}
	res = r.c.Do("GET", "/playlist/{streamPath}.m3u8", "playlist/live/cam.m3u8?"+rangeQuery(0, 2*time.Minute), nil)
	if res.Status != 422 || !strings.Contains(string(res.Body), "record_export_max") {
		t.Errorf("playlist over the limit: %d %s", res.Status, res.Body)
	}
}

// TestExportConcurrencyLimit: with record_export_concurrency 1, while one
// export is held (its recording is a named pipe no one writes yet, so the
// export blocks opening it), another answers 429 with Retry-After; once
// the first ends, exports run again.
func TestExportConcurrencyLimit(t *testing.T) {
	rec := recordMP4(t)
	fifo := filepath.Join(t.TempDir(), "held.flv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	held := []playbacktest.Recorded{{Row: rec[0].Row}}
	held[0].Row.StreamPath, held[0].Row.Name, held[0].Row.Format, held[0].Row.Path = "live/held", "held", "flv", fifo
	r := newExportRig(t, recapi.ExportLimits{Concurrency: 1}, rec, held)
	release := func() { // a writer that closes at once: the held export reads EOF
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	}
	t.Cleanup(release)
	type answer struct {
		req  *http.Request
		res  *http.Response
		body []byte
	}
	answers := make(chan answer, 2)
	for range 2 {
		go func() {
			req, _ := http.NewRequest("GET", r.c.Base+"/export/live/held?"+rangeQuery(0, 5*time.Second), nil)
			req.Header.Set("Authorization", "Bearer tok")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				answers <- answer{req: req}
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			answers <- answer{req, res, b}
		}()
	}
	first := <-answers
	if first.res == nil || first.res.StatusCode != 429 || first.res.Header.Get("Retry-After") == "" {
		t.Fatalf("second export while one runs: %+v %s", first.res, first.body)
	}
	apitest.Validate(t, first.req, "/export/{streamPath}", 429, first.res.Header, first.body)
	deadline := time.Now().Add(10 * time.Second)
	var second answer
	for done := false; !done; {
		release()
		select {
		case second = <-answers:
			done = true
		case <-time.After(50 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("the held export did not end")
			}
		}
	}
	if second.res == nil {
		t.Fatal("held export: no answer")
	}
	if res := r.c.Do("GET", "/export/{streamPath}", "export/live/cam?format=flv&"+rangeQuery(0, time.Second), nil); res.Status != 200 {
		t.Errorf("after the held export ended: %d %s", res.Status, res.Body)
	}
}

// TestExportCodecChange: a stream recorded at 160x120 for 10 s, then at
// 320x240 (a new file, as the recorder splits at a parameter change). An
// export across the change ends at it, with X-Export-Rest at the second
// file's start, and holds only the frames of the first size; a range
// that starts at the change answers 409 with X-Export-Rest; a range after
// it exports the second file.
func TestExportCodecChange(t *testing.T) {
	small := playbacktest.Record(t, testmedia.ClipSized(t, testmedia.AV, 10, "160x120"), "fmp4", t.TempDir(), time.Minute, playbacktest.Epoch)
	big := playbacktest.Record(t, testmedia.ClipSized(t, testmedia.AV, 10, "320x240"), "fmp4", t.TempDir(), time.Minute,
		small[0].Row.End.Add(-small[0].Row.Start.Sub(playbacktest.Epoch)))
	r := newExportRig(t, recapi.ExportLimits{}, small, big)
	change := big[0].Row.Start
	res := r.c.Do("GET", "/export/{streamPath}", "export/live/cam?format=mp4&"+rangeQuery(4500*time.Millisecond, 15*time.Second), nil)
	rest, err := time.Parse(time.RFC3339Nano, res.Header.Get("X-Export-Rest"))
	if res.Status != 200 || err != nil || !rest.Equal(change) {
		t.Fatalf("across the change: %d, X-Export-Rest %q (%v), want %s", res.Status, res.Header.Get("X-Export-Rest"), err, change)
	}
	name := filepath.Join(t.TempDir(), "before.mp4")
	if err := os.WriteFile(name, res.Body, 0o644); err != nil {
		t.Fatal(err)
	}
	if v, _ := testmedia.ProbePackets(t, name); v != 150 { // key frame at 4 s to the end of the 10 s file
		t.Errorf("export before the change: %d video frames, want 150", v)
	}
	if w, h := probeSize(t, name); w != 160 || h != 120 {
		t.Errorf("export before the change is %dx%d", w, h)
	}
	at := change.Sub(playbacktest.Epoch)
	res = r.c.Do("GET", "/export/{streamPath}", "export/live/cam?"+rangeQuery(at, at+3*time.Second), nil)
	if res.Status != 409 || res.Header.Get("X-Export-Rest") == "" {
		t.Errorf("from the change: %d %q %s", res.Status, res.Header.Get("X-Export-Rest"), res.Body)
	}
	res = r.c.Do("GET", "/export/{streamPath}", "export/live/cam?"+rangeQuery(at+time.Second, at+3*time.Second), nil)
	if res.Status != 200 || res.Header.Get("X-Export-Rest") != "" {
		t.Fatalf("after the change: %d %q", res.Status, res.Header.Get("X-Export-Rest"))
	}
	if err := os.WriteFile(name, res.Body, 0o644); err != nil {
		t.Fatal(err)
	}
	if w, h := probeSize(t, name); w != 320 || h != 240 {
		t.Errorf("export after the change is %dx%d", w, h)
	}
	// the day view shows both sizes' recordings
	res = r.c.Do("GET", "/timeline/{streamPath}", "timeline/live/cam?"+rangeQuery(0, time.Minute), nil)
	var tl struct{ Intervals []struct{ ID int64 } }
	res.JSON(t, &tl)
	if res.Status != 200 || len(tl.Intervals) != 2 {
		t.Errorf("timeline across the change: %d %s", res.Status, res.Body)
	}
}

// probeSize is the picture size ffprobe reads in a file.
func probeSize(t *testing.T, name string) (w, h int) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
		"-of", "csv=p=0", name).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", name, err)
	}
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "%d,%d", &w, &h); err != nil {
		t.Fatalf("ffprobe %s: %q", name, out)
	}
	return w, h
}
