package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/accesslog"
	"github.com/rtmprecd/rtmprecd/internal/byteproxy"
	"github.com/rtmprecd/rtmprecd/internal/nginxrtmp"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// combinedLine splits a combined access log line into the client's part
// (command, app, name, args, pageurl, flashver: what must be equal on
// both servers) and the two byte counts.
var combinedLine = regexp.MustCompile(`^127\.0\.0\.1 \[[^\]]+\] (\S+ "[^"]*" "[^"]*" "[^"]*") - (\d+) (\d+) ("[^"]*" "[^"]*") \(\d+s\)$`)

type logLine struct {
	client         string
	received, sent uint64
}

// readLines waits until path holds n lines and parses them.
func readLines(t *testing.T, path string, n int) []logLine {
	t.Helper()
	var lines []string
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		b, _ := os.ReadFile(path)
		lines = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(b) > 0 && len(lines) >= n || time.Now().After(deadline) {
			break
		}
		<-tick.C
	}
	if len(lines) != n {
		t.Fatalf("%s: %d lines, want %d: %q", path, len(lines), n, lines)
	}
	var out []logLine
	for _, l := range lines {
		m := combinedLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("%s: not a combined line: %q", path, l)
		}
		in, _ := strconv.ParseUint(m[2], 10, 64)
		sent, _ := strconv.ParseUint(m[3], 10, 64)
		out = append(out, logLine{client: m[1] + " " + m[4], received: in, sent: sent})
	}
	return out
}

// pushBoth publishes with our client, then with ffmpeg, through proxy.
func pushBoth(t *testing.T, clip, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{ChunkSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Connect(ctx, "live", "rtmp://127.0.0.1/live", amf.Object{{Key: "pageUrl", Value: "http://example.com/p"}}); err != nil {
		t.Fatal(err)
	}
	id, _, err := c.StartPublish(ctx, "cam1?k=v", "live")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := c.WriteMedia(9, id, uint64(i*40), make([]byte, 3000+i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.StopPublish(id, "cam1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitStatus(ctx, "NetStream.Unpublish.Success"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := testmedia.Publish(ctx, t, clip, "rtmp://"+addr+"/live/ff?token=1", false); err != nil {
		t.Fatal(err)
	}
}

// TestAccessLogSideBySideWithNginxRTMP pushes the same two publishes (our
// client, then ffmpeg) to nginx-rtmp and to rtmprecd, each behind a
// counting proxy, and compares the combined access logs: the same lines
// but for the time and the bytes the servers sent, and on each side
// $bytes_received and $bytes_sent add up to what the proxy counted, minus
// the handshakes.
//
// Run it locally with: go test ./e2e -run AccessLogSideBySide -v
func TestAccessLogSideBySideWithNginxRTMP(t *testing.T) {
	clip := testmedia.Clip(t)
	ng := nginxrtmp.StartTest(t, nginxrtmp.Options{})
	dir := t.TempDir()
	logs := &testserver.LogBuffer{}
	ours := testserver.Start(t, testserver.Options{
		Config: fmt.Sprintf("rtmp { access_log %s; server { listen 127.0.0.1:0; application live { live on; } } }",
			filepath.Join(dir, "access.log")),
		Modules: []rtmp.Module{&accesslog.Module{Logger: logs.Logger(slog.LevelDebug)}},
		Logs:    logs,
	})
	type side struct {
		name  string
		proxy *byteproxy.Proxy
		log   string
		lines []logLine
	}
	sides := []*side{
		{name: "nginx-rtmp", proxy: byteproxy.Start(t, ng.Addr()), log: ng.AccessLogPath()},
		{name: "rtmprecd", proxy: byteproxy.Start(t, ours.Addr()), log: filepath.Join(dir, "access.log")},
	}
	for _, s := range sides {
		pushBoth(t, clip, s.proxy.Addr())
	}
	for _, s := range sides {
		s.lines = readLines(t, s.log, 2)
		if !s.proxy.Wait(20 * time.Second) {
			t.Fatalf("%s: connections still open", s.name)
		}
		in := s.lines[0].received + s.lines[1].received
		out := s.lines[0].sent + s.lines[1].sent
		wantIn, wantOut := s.proxy.ToServer()-2*rtmp.HandshakeSize, s.proxy.ToClient()-2*rtmp.HandshakeSize
		if in != wantIn || out != wantOut {
			t.Errorf("%s: bytes_received %d, bytes_sent %d; the proxy counted %d and %d after the handshakes",
				s.name, in, out, wantIn, wantOut)
		}
		for _, l := range s.lines {
			t.Logf("%s: %s - %d %d", s.name, l.client, l.received, l.sent)
		}
	}
	// The clients sent the same bytes to both servers: the lines are the
	// same but for the time and what each server sent.
	theirs, mine := sides[0].lines, sides[1].lines
	for i := range theirs {
		if theirs[i].client != mine[i].client || theirs[i].received != mine[i].received {
			t.Errorf("line %d:\nnginx-rtmp %s - %d\nrtmprecd   %s - %d", i+1,
				theirs[i].client, theirs[i].received, mine[i].client, mine[i].received)
		}
	}
}
