package e2e

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/control"
	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/httpd"
	"github.com/rtmprecd/rtmprecd/internal/byteproxy"
	"github.com/rtmprecd/rtmprecd/internal/nginxrtmp"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// fetchStat reads and parses an nginx-rtmp style /stat.
func fetchStat(t *testing.T, url string) *control.Stat {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	var st control.Stat
	if err := xml.Unmarshal(b, &st); err != nil {
		t.Fatalf("%s: %v\n%s", url, err, b)
	}
	return &st
}

// streamBytes is the bytes_in of the only stream of application live, or
// 0 when there is none.
func streamBytes(st *control.Stat) uint64 {
	for _, s := range st.Servers {
		for _, a := range s.Applications {
			if a.Name == "live" && a.Live != nil && len(a.Live.Streams) == 1 {
				return a.Live.Streams[0].BytesIn
			}
		}
	}
	return 0
}

// startOurStat runs rtmprecd's RTMP server with the control API's meter
// and /stat on 127.0.0.1:0, and returns the RTMP address and the /stat URL.
func startOurStat(t *testing.T) (addr, statURL string) {
	t.Helper()
	cfg, err := conf.LoadBytes("stat.conf", []byte(`rtmp { server { listen 127.0.0.1:0; application live { } } }
http { server { listen 127.0.0.1:0; location /stat { rtmp_stat all; } } }`))
	if err != nil {
		t.Fatal(err)
	}
	logs := &testserver.LogBuffer{}
	meter := &control.Module{}
	s := testserver.Start(t, testserver.Options{Source: func() *conf.Config { return cfg },
		Modules: []rtmp.Module{meter}, Logs: logs})
	log := logs.Logger(slog.LevelDebug)
	api := control.New(control.Options{Registry: s.Registry(), Meter: meter, Version: "test", Logger: log})
	web := httpd.New(httpd.Options{Routes: api.Routes(), Logger: log})
	if err := web.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		web.Shutdown(ctx)
	})
	return s.Addr(), "http://" + web.Addrs()[0].String() + "/stat"
}

// clipPayload is the audio and video payload of an FLV file: what a
// `-c copy` publish of it sends as media.
func clipPayload(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := flv.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, tag := range f.Tags {
		if tag.Type == flv.TagAudio || tag.Type == flv.TagVideo {
			n += uint64(len(tag.Data))
		}
	}
	return n
}

// TestStatBytesSideBySideWithNginxRTMP publishes the same media to
// nginx-rtmp and to rtmprecd, each behind a counting proxy, and reads both
// /stat pages: a stream's bytes_in is its audio and video payload on both,
// and the global bytes_in every byte received (nginx-rtmp without the
// handshake, rtmprecd with it). Then it pushes the clip with ffmpeg and
// logs how much more than the payload the connection carried.
//
// Run it locally with: go test ./e2e -run StatBytesSideBySide -v
func TestStatBytesSideBySideWithNginxRTMP(t *testing.T) {
	clip := testmedia.Clip(t)
	ng := nginxrtmp.StartTest(t, nginxrtmp.Options{Stat: true})
	ourAddr, ourStat := startOurStat(t)
	type side struct {
		name, stat string
		proxy      *byteproxy.Proxy
		handshake  uint64 // what the global bytes_in counts of each handshake
	}
	sides := []side{
		{"nginx-rtmp", ng.StatURL(), byteproxy.Start(t, ng.Addr()), 0},
		{"rtmprecd", ourStat, byteproxy.Start(t, ourAddr), rtmp.HandshakeSize},
	}
	const frames, size = 50, 3000
	var payload uint64
	for i := range frames {
		payload += uint64(size + i)
	}
	for _, s := range sides {
		c := publishFrames(t, s.proxy.Addr(), frames, size)
		var st *control.Stat
		waitUntil(t, s.name+"'s stream to count every frame", func() bool {
			st = fetchStat(t, s.stat)
			return streamBytes(st) >= payload
		})
		if got := streamBytes(st); got != payload {
			t.Errorf("%s: stream bytes_in %d, want the payload %d", s.name, got, payload)
		}
		if want := s.proxy.ToServer() - rtmp.HandshakeSize + s.handshake; st.BytesIn != want {
			t.Errorf("%s: global bytes_in %d, want %d (the proxy counted %d)", s.name, st.BytesIn, want, s.proxy.ToServer())
		}
		t.Logf("%s, our client: stream bytes_in %d, global bytes_in %d, wire %d", s.name, streamBytes(st), st.BytesIn, s.proxy.ToServer())
		c.Close()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	media := clipPayload(t, clip)
	for _, s := range sides {
		before := s.proxy.ToServer()
		if err := testmedia.Publish(ctx, t, clip, "rtmp://"+s.proxy.Addr()+"/live/ff", false); err != nil {
			t.Fatal(err)
		}
		if !s.proxy.Wait(20 * time.Second) {
			t.Fatalf("%s: connections still open", s.name)
		}
		wire := s.proxy.ToServer() - before - rtmp.HandshakeSize
		var st *control.Stat
		waitUntil(t, s.name+"'s global count to settle", func() bool {
			st = fetchStat(t, s.stat)
			return st.BytesIn == s.proxy.ToServer()-2*rtmp.HandshakeSize+2*s.handshake
		})
		t.Logf("%s, ffmpeg: media payload %d, chunk stream %d bytes (+%.2f%%), global bytes_in %d",
			s.name, media, wire, 100*float64(wire-media)/float64(media), st.BytesIn)
	}
}

// publishFrames publishes live/cam1 with our client through addr and sends
// frames video messages of size+i bytes; the connection stays open.
func publishFrames(t *testing.T, addr string, frames, size int) *client.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{ChunkSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Connect(ctx, "live", "rtmp://127.0.0.1/live", nil); err != nil {
		t.Fatal(err)
	}
	id, _, err := c.StartPublish(ctx, "cam1", "live")
	if err != nil {
		t.Fatal(err)
	}
	for i := range frames {
		if err := c.WriteMedia(9, id, uint64(i*40), make([]byte, size+i)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// waitUntil polls cond until it holds, for at most 20 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}
