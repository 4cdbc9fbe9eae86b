package control

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// statPageConfig serves /stat with nginx-rtmp's stylesheet instruction and
// static files the ways nginx-rtmp setups do; %[1]s is the record
// directory, %[2]s the web root.
const statPageConfig = `
rtmp { server { listen 127.0.0.1:0;
    application live { record all; record_path %[1]s; } } }
http { server { listen 127.0.0.1:0;
    root %[2]s;
    location /stat { rtmp_stat all; rtmp_stat_stylesheet stat.xsl; }
    location /stat.xsl { root %[2]s; }
    location /xsl { alias %[2]s/stat.xsl; }
    location /files/ { alias %[2]s/files/; }
} }
`

// A stylesheet of our own, standing for nginx-rtmp's stat.xsl.
const testXSL = `<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:template match="/"><html><body><xsl:value-of select="rtmp/nginx_version"/></body></html></xsl:template>
</xsl:stylesheet>
`

// webRoot makes DIR/www with stat.xsl, files/a.flv and files/out (a
// symbolic link to DIR, outside the root), and DIR/secret.txt.
func webRoot(t *testing.T) (www string) {
	t.Helper()
	dir := t.TempDir()
	www = filepath.Join(dir, "www")
	files := map[string]string{
		filepath.Join(www, "stat.xsl"):       testXSL,
		filepath.Join(www, "files", "a.flv"): "FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00",
		filepath.Join(dir, "secret.txt"):     "secret",
	}
	for p, body := range files {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(dir, filepath.Join(www, "files", "out")); err != nil {
		t.Fatal(err)
	}
	return www
}

// TestStatPageForNginxRTMPUsers: a browser opening /stat gets XML with
// the xml-stylesheet instruction rtmp_stat_stylesheet names, then fetches
// the stylesheet from a location with root, as nginx-rtmp's stat page
// works; nginx_version and built are rtmprecd's.
func TestStatPageForNginxRTMPUsers(t *testing.T) {
	dir, www := t.TempDir(), webRoot(t)
	r := newRigConfig(t, dir, fmt.Sprintf(statPageConfig, dir, www))
	r.publish("live", "cam1")
	waitMedia(t, r)

	body := r.want("GET", "/stat", 200, "")
	const head = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<?xml-stylesheet type="text/xsl" href="stat.xsl"?>` + "\n<rtmp>\n"
	if !strings.HasPrefix(body, head) {
		t.Fatalf("/stat starts with %.160q, want %q", body, head)
	}
	var st Stat
	if err := xml.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.NginxVersion != "rtmprecd/test" || st.NginxRTMPVersion != "test" {
		t.Errorf("versions %q %q", st.NginxVersion, st.NginxRTMPVersion)
	}
	if _, err := time.Parse("Jan _2 2006 15:04:05", st.Built); err != nil {
		t.Errorf("built %q: %v", st.Built, err)
	}
	if s := st.Servers[0].Applications[0].Live.Streams; len(s) != 1 || s[0].Name != "cam1" {
		t.Errorf("streams %+v", s)
	}

	for _, p := range []string{"/stat.xsl", "/xsl"} {
		resp, got := get(t, r.base+p, nil)
		if resp.StatusCode != 200 || got != testXSL || resp.Header.Get("Content-Type") != "text/xsl" {
			t.Errorf("GET %s: %s %q %q", p, resp.Status, resp.Header.Get("Content-Type"), got)
		}
	}
}

// TestStaticFilesStayInside: the files of root and alias locations are
// served with their types and ranges, and nothing else is: `..` in any
// spelling, symbolic links out of the directory, directories (no listing)
// and files that are not there.
func TestStaticFilesStayInside(t *testing.T) {
	dir, www := t.TempDir(), webRoot(t)
	r := newRigConfig(t, dir, fmt.Sprintf(statPageConfig, dir, www))
	tests := []struct {
		path string
		code int
		ctyp string
	}{
		{"/files/a.flv", 200, "video/x-flv"},
		{"/stat.xsl", 200, "text/xsl"},
		{"/files/../stat.xsl", 400, ""},
		{"/files/..%2f..%2fsecret.txt", 400, ""},
		{"/files/%2e%2e/%2e%2e/secret.txt", 400, ""},
		{"/stat.xsl/../../secret.txt", 400, ""},
		{"/..%2fsecret.txt", 400, ""},
		{"/files/..\\..\\secret.txt", 400, ""},
		{"/files/a.flv%00.txt", 400, ""},
		{"/files/out/secret.txt", 403, ""},
		{"/files/out", 403, ""},
		{"/files/", 403, ""},
		{"/", 403, ""},
		{"/files/missing.flv", 404, ""},
		{"/xsl/below/a/file", 404, ""},
		{"/secret.txt", 404, ""},
	}
	for _, tt := range tests {
		resp, body := get(t, r.base+tt.path, nil)
		if resp.StatusCode != tt.code || tt.ctyp != "" && resp.Header.Get("Content-Type") != tt.ctyp {
			t.Errorf("GET %s: %s %q, want %d %s", tt.path, resp.Status, resp.Header.Get("Content-Type"), tt.code, tt.ctyp)
		}
		if strings.Contains(body, "secret\n") || body == "secret" {
			t.Errorf("GET %s leaked the file outside the root", tt.path)
		}
	}
	resp, body := get(t, r.base+"/files/a.flv", http.Header{"Range": {"bytes=0-2"}})
	if resp.StatusCode != http.StatusPartialContent || body != "FLV" {
		t.Errorf("range: %s %q", resp.Status, body)
	}
	if code, _ := r.do("POST", "/stat.xsl", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("POST a file: %d", code)
	}
}

// get fetches url with header and returns the response and its body.
func get(t *testing.T, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// atomicClock is an injected clock that session goroutines may read while
// the test moves it.
type atomicClock struct{ ns atomic.Int64 }

func (c *atomicClock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *atomicClock) add(d time.Duration) { c.ns.Add(int64(d)) }
func newAtomicClock() *atomicClock {
	c := &atomicClock{}
	c.ns.Store(time.Unix(1000, 0).UnixNano())
	return c
}

// TestStatGlobalBandwidthCountsEveryByte: as nginx-rtmp, a stream's bw_in
// is its audio and video payload per second, the global bw_in every byte
// the connections received (chunk headers, commands, metadata too).
func TestStatGlobalBandwidthCountsEveryByte(t *testing.T) {
	clk := newAtomicClock()
	dir := t.TempDir()
	r := newRigWith(t, dir, fmt.Sprintf(testConfig, dir), rigOptions{now: clk.Now})
	p := r.publish("live", "cam1")
	clk.add(10 * time.Second)
	p.gop() // its first frame closes the window
	sess := r.srv.Registry().Lookup("live", "cam1")
	eventually(t, "the window to close", func() bool { mt := r.meter.Meter(sess); return mt != nil && mt.WireBandwidth() > 0 })
	st := r.stat(t)
	stream := st.Servers[0].Applications[0].Live.Streams[0]
	mt := r.meter.Meter(sess)
	if st.BWIn != mt.WireBandwidth() {
		t.Errorf("global bw_in %d, want the connection's %d", st.BWIn, mt.WireBandwidth())
	}
	if stream.BWIn == 0 || stream.BWIn*10/8 > stream.BytesIn || st.BWIn <= stream.BWIn || st.BWIn*10/8 > sess.BytesIn() {
		t.Errorf("stream bw_in %d (bytes_in %d), global bw_in %d (connection received %d)",
			stream.BWIn, stream.BytesIn, st.BWIn, sess.BytesIn())
	}
}
