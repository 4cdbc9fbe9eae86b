package control

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/httpd"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// rig is a real RTMP server with the real record module and this
// package's meter, and the control API's routes on the router serving the
// config's http blocks.
type rig struct {
	t      *testing.T
	dir    string
	file   string // the configuration file, for reloads
	rtmp   string // RTMP address
	base   string // http://ADDR of the first http listener
	srv    *testserver.Server
	rec    *record.Module
	meter  *Module
	api    *Server
	web    *httpd.Router // the router serving api's routes
	reload *fileReloader
	logs   *testserver.LogBuffer

	mu     sync.Mutex
	events []record.Event
}

// testConfig is the default rig configuration; %s is the record directory.
const testConfig = `
rtmp {
    server {
        listen 127.0.0.1:0;
        application live {
            record all;
            record_path %[1]s;
            recorder man {
                record all manual;
                record_path %[1]s;
                record_suffix -man.flv;
            }
        }
        application off {
            record off;
            record_path %[1]s;
        }
    }
}
http {
    server {
        listen 127.0.0.1:0;
        location /control { rtmp_control all; }
        location /stat { rtmp_stat all; }
        location /secret/ {
            control_token s3cret;
            rtmp_control record drop;
        }
        location /ro/ { rtmp_control drop; }
    }
}
`

func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	return newRigConfig(t, dir, fmt.Sprintf(testConfig, dir))
}

func newRigConfig(t *testing.T, dir, text string) *rig {
	t.Helper()
	return newRigWith(t, dir, text, rigOptions{})
}

// rigOptions change how a rig's server runs.
type rigOptions struct {
	now       func() time.Time // the server's clock (bandwidth windows); nil: time.Now
	meterLast bool             // the control module after the recorders in the module list
}

// newRigWith is newRigConfig with options.
func newRigWith(t *testing.T, dir, text string, o rigOptions) *rig {
	t.Helper()
	r := &rig{t: t, dir: dir, file: filepath.Join(dir, "rtmprecd.conf"), logs: &testserver.LogBuffer{}}
	if err := os.WriteFile(r.file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := conf.Load(r.file)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	log := r.logs.Logger(slog.LevelDebug)
	r.rec = &record.Module{Logger: log}
	r.rec.Events(func(ev record.Event) {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	})
	r.meter = &Module{}
	mods := []rtmp.Module{r.meter, r.rec}
	if o.meterLast {
		mods = []rtmp.Module{r.rec, r.meter}
	}
	r.reload = &fileReloader{file: r.file}
	r.reload.cfg.Store(cfg)
	r.srv = testserver.Start(t, testserver.Options{Source: r.reload.cfg.Load,
		Modules: mods, Logs: r.logs, Logger: log, Now: o.now})
	r.rtmp = r.srv.Addr()
	r.api = New(Options{Registry: r.srv.Registry(), Recorder: r.rec, Reloader: r.reload,
		Meter: r.meter, Version: "test", Logger: log})
	r.web = httpd.New(httpd.Options{Routes: append(r.api.Routes(), httpd.Files(log)), Logger: log})
	r.reload.web = r.web
	r.reload.status = ConfigStatus{Generation: 1, Hash: cfg.Hash, File: cfg.File, LoadedAt: time.Now()}
	// Registered after the server's, so the API stops first.
	t.Cleanup(r.stopAPI)
	if err := r.web.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	r.base = "http://" + r.web.Addrs()[0].String()
	return r
}

// stopAPI shuts the control API down; the RTMP server stops after it.
func (r *rig) stopAPI() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.web.Shutdown(ctx); err != nil {
		r.t.Errorf("control shutdown: %v", err)
	}
}

// do sends one request and returns the status and the body.
func (r *rig) do(method, path, token string) (int, string) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.base+path, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// want sends a request and checks its status and, when body is not "",
// that the body contains it.
func (r *rig) want(method, path string, code int, body string) string {
	r.t.Helper()
	got, b := r.do(method, path, "")
	if got != code || body != "" && !strings.Contains(b, body) {
		r.t.Fatalf("%s %s = %d %q, want %d containing %q", method, path, got, b, code, body)
	}
	return b
}

func (r *rig) closed() []record.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]record.Event(nil), r.events...)
}

// eventually polls cond until it holds or 10 s passed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// Media: an H.264 High 3.1 sequence header, key and inter frames, and
// AAC LC 44.1 kHz stereo.
var (
	avcHeader = []byte{0x17, 0, 0, 0, 0, 1, 100, 0, 31, 0xff, 0xe1, 0, 4, 0x67, 100, 0, 31, 1, 0, 4, 0x68, 0xee, 0x3c, 0x80}
	avcKey    = []byte{0x17, 1, 0, 0, 0, 0, 0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x10}
	avcInter  = []byte{0x27, 1, 0, 0, 0, 0, 0, 0, 3, 0x41, 0x9a, 0x00}
	aacHeader = []byte{0xaf, 0, 0x12, 0x10}
	aacFrame  = []byte{0xaf, 1, 0x21, 0x00, 0x49, 0x90}
)

// pub is a publisher made with our test client.
type pub struct {
	t    *testing.T
	c    *client.Conn
	id   uint32
	ts   uint64
	sent atomic.Uint64
}

func (r *rig) publish(app, name string) *pub {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, r.rtmp, client.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	if _, err := c.Connect(ctx, app, "rtmp://"+r.rtmp+"/"+app, nil); err != nil {
		r.t.Fatal(err)
	}
	id, _, err := c.StartPublish(ctx, name, "live")
	if err != nil {
		r.t.Fatal(err)
	}
	p := &pub{t: r.t, c: c, id: id}
	md := amf.ECMAArray{{Key: "width", Value: 320.0}, {Key: "height", Value: 240.0}, {Key: "framerate", Value: 25.0}}
	if err := c.WriteData(id, "@setDataFrame", "onMetaData", md); err != nil {
		r.t.Fatal(err)
	}
	p.write(9, avcHeader)
	p.write(8, aacHeader)
	p.gop()
	return p
}

func (p *pub) write(typ uint8, b []byte) {
	p.t.Helper()
	if err := p.c.WriteMedia(typ, p.id, p.ts, b); err != nil {
		p.t.Fatal(err)
	}
	p.sent.Add(uint64(len(b)))
}

// gop sends a key frame, an inter frame and audio, 40 ms apart.
func (p *pub) gop() {
	p.t.Helper()
	for _, f := range [][]byte{avcKey, aacFrame, avcInter, aacFrame} {
		typ := uint8(9)
		if f[0] == 0xaf {
			typ = 8
		}
		p.write(typ, f)
		p.ts += 20
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
