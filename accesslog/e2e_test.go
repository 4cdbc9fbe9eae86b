package accesslog

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/byteproxy"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// rig is an in-process server with the access log module, and a proxy
// in front of it that counts what the clients really sent and received.
type rig struct {
	t     *testing.T
	dir   string
	srv   *testserver.Server
	proxy *byteproxy.Proxy
}

// newRig serves config, where %[1]s is the log directory.
func newRig(t *testing.T, config string) *rig {
	t.Helper()
	dir := t.TempDir()
	r := &rig{t: t, dir: dir}
	logs := &testserver.LogBuffer{}
	m := &Module{Logger: logs.Logger(0)}
	r.srv = testserver.Start(t, testserver.Options{Config: fmt.Sprintf(config, dir), Modules: []rtmp.Module{m}, Logs: logs})
	r.proxy = byteproxy.Start(t, r.srv.Addr())
	return r
}

// lines waits until the log file name holds n lines, and returns them.
func (r *rig) lines(name string, n int) []string {
	r.t.Helper()
	path := filepath.Join(r.dir, name)
	var got []string
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		b, _ := os.ReadFile(path)
		got = strings.SplitAfter(string(b), "\n")
		got = got[:len(got)-1] // after the last newline
		if len(got) >= n || time.Now().After(deadline) {
			break
		}
		<-tick.C
	}
	if len(got) != n {
		r.t.Fatalf("%s: %d lines, want %d:\n%s", name, len(got), n, strings.Join(got, ""))
	}
	return got
}

// counts waits until the proxied connections closed and returns the
// chunk-stream bytes each way (the handshakes left out, as nginx-rtmp).
func (r *rig) counts() (received, sent uint64) {
	r.t.Helper()
	if !r.proxy.Wait(20 * time.Second) {
		r.t.Fatal("proxied connections still open")
	}
	return r.proxy.ToServer() - rtmp.HandshakeSize, r.proxy.ToClient() - rtmp.HandshakeSize
}

// publishOurs publishes name (with ?args) in app with our client through
// the proxy, sends a second of media and unpublishes.
func (r *rig) publishOurs(app, tcURL, name string, extra amf.Object) uint64 {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, r.proxy.Addr(), client.Options{ChunkSize: 4096})
	if err != nil {
		r.t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Connect(ctx, app, tcURL, extra); err != nil {
		r.t.Fatal(err)
	}
	id, _, err := c.StartPublish(ctx, name, "live")
	if err != nil {
		r.t.Fatal(err)
	}
	for i := range 25 {
		if err := c.WriteMedia(9, id, uint64(i*40), make([]byte, 2000+i)); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := c.StopPublish(id, name); err != nil {
		r.t.Fatal(err)
	}
	if _, err := c.WaitStatus(ctx, "NetStream.Unpublish.Success"); err != nil {
		r.t.Fatal(err)
	}
	sid := uint64(0)
	for _, s := range r.srv.Registry().Sessions() {
		sid = s.ID()
	}
	return sid
}

// timeLocal parses $time_local and checks that it lies between start
// (the test's) and now, at nginx's one-second resolution.
func timeLocal(t *testing.T, s string, start time.Time) {
	t.Helper()
	tm, err := time.Parse("02/Jan/2006:15:04:05 -0700", s)
	if err != nil || tm.Before(start.Truncate(time.Second)) || tm.After(time.Now()) {
		t.Errorf("time_local %q (test started %v): %v", s, start, err)
	}
}

// sessionTime checks $session_time and $session_readable_time: the
// seconds the connection lasted, at most the test's time so far.
func sessionTime(t *testing.T, secs, readable string, start time.Time) {
	t.Helper()
	n, err := strconv.Atoi(secs)
	if err != nil || n < 0 || time.Duration(n)*time.Second > time.Since(start) {
		t.Errorf("session_time %q: %v", secs, err)
	}
	if want := string(appendReadable(nil, time.Duration(n)*time.Second)); readable != want {
		t.Errorf("session_readable_time %q, want %q", readable, want)
	}
}

var combinedRe = regexp.MustCompile(`^127\.0\.0\.1 \[([^\]]+)\] (.*) \(((?:\d+[dhm] )*\d+s)\)\n$`)

// TestCombinedLineOurClient: the default format is nginx-rtmp's combined,
// one line per connection at its end, with the name and args the client
// asked for and the bytes the proxy counted, exactly.
func TestCombinedLineOurClient(t *testing.T) {
	start := time.Now()
	r := newRig(t, `rtmp { access_log %[1]s/access.log; server { listen 127.0.0.1:0; application live { } } }`)
	r.publishOurs("live", "rtmp://127.0.0.1/live", "cam1?key=s3cret&x=1",
		amf.Object{{Key: "pageUrl", Value: "http://example.com/page"}})
	line := r.lines("access.log", 1)[0]
	in, out := r.counts()
	m := combinedRe.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("line %q", line)
	}
	timeLocal(t, m[1], start)
	sessionTime(t, strconv.Itoa(int(readableSeconds(m[3]))), m[3], start)
	// flashver is cut to 31 bytes, as nginx-rtmp's flashver[32]
	want := fmt.Sprintf(`PUBLISH "live" "cam1" "key=s3cret&x=1" - %d %d "http://example.com/page" "%s"`, in, out, client.DefaultFlashVer[:31])
	if m[2] != want {
		t.Errorf("line %q\nwant the middle %q", line, want)
	}
}

// TestEveryVariable: a log_format with each of nginx-rtmp's variables.
func TestEveryVariable(t *testing.T) {
	start := time.Now()
	r := newRig(t, `rtmp {
    log_format all '$connection|$remote_addr|$app|$flashver|$swfurl|$tcurl|$pageurl|$command|'
                   '$name|$args|$bytes_sent|$bytes_received|${time_local}|$session_time|$session_readable_time';
    server { listen 127.0.0.1:0; application live { access_log %[1]s/all.log all; } } }`)
	sid := r.publishOurs("live", "rtmp://h.example/live?t=1", "cam2",
		amf.Object{{Key: "swfUrl", Value: "http://example.com/p.swf"}})
	f := strings.Split(strings.TrimSuffix(r.lines("all.log", 1)[0], "\n"), "|")
	in, out := r.counts()
	if len(f) != 15 {
		t.Fatalf("%d fields: %q", len(f), f)
	}
	timeLocal(t, f[12], start)
	sessionTime(t, f[13], f[14], start)
	want := []string{strconv.FormatUint(sid, 10), "127.0.0.1", "live", client.DefaultFlashVer[:31], "http://example.com/p.swf",
		"rtmp://h.example/live?t=1", "", "PUBLISH", "cam2", "", strconv.FormatUint(out, 10), strconv.FormatUint(in, 10),
		f[12], f[13], f[14]}
	for i := range want {
		if f[i] != want[i] {
			t.Errorf("field %d: %q, want %q", i, f[i], want[i])
		}
	}
}

// TestCombinedLineFFmpeg: ffmpeg's publish gives the same line shape, its
// flashver, and the bytes it really sent.
func TestCombinedLineFFmpeg(t *testing.T) {
	clip := testmedia.Clip(t)
	start := time.Now()
	r := newRig(t, `rtmp { access_log %[1]s/access.log; server { listen 127.0.0.1:0; application live { } } }`)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := testmedia.Publish(ctx, t, clip, "rtmp://"+r.proxy.Addr()+"/live/ff?token=1", false); err != nil {
		t.Fatal(err)
	}
	line := r.lines("access.log", 1)[0]
	in, out := r.counts()
	m := combinedRe.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("line %q", line)
	}
	timeLocal(t, m[1], start)
	sessionTime(t, strconv.Itoa(int(readableSeconds(m[3]))), m[3], start)
	re := regexp.MustCompile(fmt.Sprintf(`^PUBLISH "live" "ff" "token=1" - %d %d "" "FMLE/3\.0 \(compatible; Lavf[0-9.]+\)?"$`, in, out))
	if !re.MatchString(m[2]) {
		t.Errorf("line %q\nwant %s", line, re)
	}
}

// TestConnectionsWithoutPublish: a health check that gives up during the
// handshake and a client of an unknown application get the server's log
// (NONE, no application); an application with `access_log off` gets none.
func TestConnectionsWithoutPublish(t *testing.T) {
	r := newRig(t, `rtmp { server { listen 127.0.0.1:0; access_log %[1]s/srv.log;
        application quiet { access_log off; } } }`)
	c, err := net.Dial("tcp", r.proxy.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	r.lines("srv.log", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, app := range []string{"nope", "quiet"} {
		cl, err := client.Dial(ctx, r.proxy.Addr(), client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = cl.Connect(ctx, app, "rtmp://127.0.0.1/"+app, nil)
		if app == "nope" && err == nil {
			t.Fatal("connect to an unknown application succeeded")
		}
		cl.Close()
	}
	got := r.lines("srv.log", 2)
	r.srv.Stop() // every session has ended, and written its line if it had one
	if m := combinedRe.FindStringSubmatch(got[0]); m == nil || m[2] != `NONE "" "" "" - 0 0 "" ""` {
		t.Errorf("health check: %q", got[0])
	}
	want := regexp.MustCompile(`^NONE "" "" "" - \d+ \d+ "" ""$`)
	if m := combinedRe.FindStringSubmatch(got[1]); m == nil || !want.MatchString(m[2]) {
		t.Errorf("unknown application: %q", got[1])
	}
	if b, _ := os.ReadFile(filepath.Join(r.dir, "srv.log")); strings.Count(string(b), "\n") != 2 {
		t.Errorf("the application with access_log off logged:\n%s", b)
	}
}

// TestHostileClientStrings: what a client writes in connect and publish
// cannot forge a line or end a quoted field.
func TestHostileClientStrings(t *testing.T) {
	r := newRig(t, `rtmp { access_log %[1]s/access.log; server { listen 127.0.0.1:0; application live { } } }`)
	r.publishOurs("live", "rtmp://127.0.0.1/live", "a\"b?x=\n127.0.0.1 [01/Jan/2000:00:00:00 +0000] PUBLISH",
		amf.Object{{Key: "pageUrl", Value: strings.Repeat("p", 5000)}, {Key: "flashVer", Value: "evil\"\r\n"}})
	line := r.lines("access.log", 1)[0]
	want := `PUBLISH "live" "a\x22b" "x=\x0A127.0.0.1 [01/Jan/2000:00:00:00 +0000] PUBLISH" - `
	if !strings.Contains(line, want) || !strings.Contains(line, `"`+strings.Repeat("p", maxText)+`" "evil\x22\x0D\x0A"`) {
		t.Errorf("line %q", line)
	}
}

// readableSeconds reads back "1h 2m 3s" as seconds.
func readableSeconds(s string) int64 {
	var n int64
	for _, f := range strings.Fields(s) {
		v, _ := strconv.ParseInt(f[:len(f)-1], 10, 64)
		n += v * map[byte]int64{'d': 86400, 'h': 3600, 'm': 60, 's': 1}[f[len(f)-1]]
	}
	return n
}
