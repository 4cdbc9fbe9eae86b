package notify

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/access"
	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// rig is the real RTMP server with the daemon's module list (notify,
// access, record) and a real HTTP receiver.
type rig struct {
	addr string
	dir  string
	n    *Module
	recv *receiver
	logs *testserver.LogBuffer
}

// startRig serves srvBody in the rtmp server block and appBody in
// application "live"; CB is replaced by the receiver's URL, DIR by a temp
// dir.
func startRig(t *testing.T, srvBody, appBody string) *rig {
	t.Helper()
	g := &rig{dir: t.TempDir(), recv: newReceiver(t), logs: &testserver.LogBuffer{}}
	repl := strings.NewReplacer("CB", g.recv.url, "DIR", g.dir)
	src := fmt.Sprintf("rtmp {\n server {\n  listen 127.0.0.1:1935;\n  %s\n  application live {\n   live on;\n   %s\n  }\n }\n}\n",
		repl.Replace(srvBody), repl.Replace(appBody))
	log := g.logs.Logger(slog.LevelDebug)
	g.n = &Module{Logger: log, Backoff: time.Millisecond}
	rec := &record.Module{Logger: log}
	rec.Events(g.n.RecordDone)
	// Registered before the server's cleanup, so it runs after the
	// server has stopped: the last sessions' callbacks are queued by then.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := g.n.Wait(ctx); err != nil {
			t.Errorf("notify Wait: %v", err)
		}
	})
	g.addr = testserver.Start(t, testserver.Options{Config: src, Modules: []rtmp.Module{g.n, access.Module{}, rec},
		Logs: g.logs, Logger: log, HandshakeTimeout: 5 * time.Second}).Addr()
	return g
}

// settle waits until every queued call was answered and every child exited.
func (g *rig) settle(t *testing.T) { t.Helper(); settle(t, g.n) }

// dial connects to live with connect args token=abc.
func (g *rig) dial(t *testing.T) (*client.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, g.addr, client.Options{ChunkSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_, err = c.Connect(ctx, "live", "rtmp://"+g.addr+"/live?token=abc", nil)
	return c, err
}

// publish connects and publishes name (which may carry ?args).
func (g *rig) publish(t *testing.T, name string) (*client.Conn, uint32, error) {
	t.Helper()
	c, err := g.dial(t)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	sid, err := c.CreateStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Publish(ctx, sid, name, "live")
	return c, sid, err
}

// sendClip publishes the committed 1 s H.264+AAC clip's media tags and
// returns the frame counts record_done reports (sequence headers are not
// frames).
func sendClip(t *testing.T, c *client.Conn, sid uint32) (video, audio int) {
	t.Helper()
	return sendClipAt(t, c, sid, 0)
}

// sendClipAt sends the clip with its timestamps moved by offset ms.
func sendClipAt(t *testing.T, c *client.Conn, sid uint32, offset uint64) (video, audio int) {
	t.Helper()
	root, err := testmedia.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	f, err := flv.ReadFile(filepath.Join(root, "testdata", "clip-1s.flv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range f.Tags {
		if tag.Type != flv.TagAudio && tag.Type != flv.TagVideo {
			continue
		}
		if err := c.WriteMedia(tag.Type, sid, offset+uint64(tag.Timestamp), tag.Data); err != nil {
			t.Fatal(err)
		}
		switch {
		case tag.IsSeqHeader():
		case tag.Type == flv.TagVideo:
			video++
		default:
			audio++
		}
	}
	return video, audio
}

func calls(hits []hit) string {
	var cs []string
	for _, h := range hits {
		cs = append(cs, h.get("call"))
	}
	return strings.Join(cs, " ")
}

// collect reads hits until n arrived.
func (g *rig) collect(t *testing.T, n int) []hit {
	t.Helper()
	var out []hit
	for len(out) < n {
		out = append(out, g.recv.next(t))
	}
	return out
}

const session = "app,flashver,swfurl,tcurl,pageurl,addr,clientid,call"

// TestE2EOrderAndFields: connect, publish, record_done, publish_done,
// done arrive in this order with nginx-rtmp's fields, then ours, then the
// client's args; record_done's size and counts are the file's, in every
// record format.
func TestE2EOrderAndFields(t *testing.T) {
	for _, format := range []string{"flv", "mp4", "fmp4"} {
		t.Run(format, func(t *testing.T) { testE2EOrderAndFields(t, format) })
	}
}

func testE2EOrderAndFields(t *testing.T, format string) {
	g := startRig(t, "on_connect CB/connect;",
		"on_publish CB/publish; on_publish_done CB/publish_done; on_done CB/done; on_record_done CB/record_done; record all; record_path DIR; record_format "+format+";")
	c, sid, err := g.publish(t, "cam?key=s3cret&call=spoof")
	if err != nil {
		t.Fatal(err)
	}
	video, audio := sendClip(t, c, sid)
	c.DeleteStream(sid)
	hits := g.collect(t, 5)
	g.settle(t)
	g.recv.none(t)
	if got := calls(hits); got != "connect publish record_done publish_done done" {
		t.Fatalf("calls %q", got)
	}
	path := filepath.Join(g.dir, "cam.flv")
	if format != "flv" {
		// An MP4 stores no end-of-sequence tag: the counts are the file's.
		path = filepath.Join(g.dir, "cam.mp4")
		video, audio = mp4Counts(t, path)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ path, keys string }{
		{"/connect", "app,flashver,swfurl,tcurl,pageurl,addr,epoch,call,clientid,token"},
		{"/publish", session + ",name,type,key,call"},
		{"/record_done", session + ",recorder,name,path,stream,size,duration,video_frames,audio_frames,start,end,reason,error,key,call"},
		{"/publish_done", session + ",name,stream,reason,key,call"},
		{"/done", session + ",name,stream,reason,key,call"},
	}
	for i, h := range hits {
		if h.path != want[i].path || h.keys() != want[i].keys || h.method != "POST" {
			t.Errorf("hit %d: %s %s keys %s\nwant %s keys %s", i, h.method, h.path, h.keys(), want[i].path, want[i].keys)
		}
		if h.get("app") != "live" || h.get("addr") != "127.0.0.1" || h.get("tcurl") != "rtmp://"+g.addr+"/live?token=abc" ||
			h.get("flashver") != client.DefaultFlashVer {
			t.Errorf("hit %d session fields %v", i, h.params)
		}
		if i > 0 && (h.get("name") != "cam" || h.get("key") != "s3cret" || h.get("clientid") != hits[0].get("clientid")) {
			t.Errorf("hit %d: %v", i, h.params)
		}
	}
	rd := hits[2]
	checks := map[string]string{
		"recorder": "", "path": path, "stream": "cam", "size": fmt.Sprint(st.Size()), "reason": "unpublish", "error": "",
		"video_frames": fmt.Sprint(video), "audio_frames": fmt.Sprint(audio),
	}
	for k, v := range checks {
		if rd.get(k) != v {
			t.Errorf("record_done %s = %q, want %q", k, rd.get(k), v)
		}
	}
	start, err1 := time.Parse(time.RFC3339Nano, rd.get("start"))
	end, err2 := time.Parse(time.RFC3339Nano, rd.get("end"))
	if err1 != nil || err2 != nil || end.Before(start) || rd.get("duration") == "0.000" {
		t.Errorf("record_done times %q %q %q", rd.get("start"), rd.get("end"), rd.get("duration"))
	}
	if hits[1].get("type") != "live" || hits[3].get("reason") != "unpublish" {
		t.Errorf("publish %v publish_done %v", hits[1].params, hits[3].params)
	}
}

// TestE2ERename: a 3xx with Location renames the stream: the file and the
// stream field use the new name, name keeps the requested one.
func TestE2ERename(t *testing.T) {
	g := startRig(t, "", "on_publish CB/publish; on_record_done CB/record_done; on_publish_done CB/publish_done; record all; record_path DIR; notify_method get;")
	g.recv.answer("publish", answer{status: 302, location: "renamed"})
	c, sid, err := g.publish(t, "cam")
	if err != nil {
		t.Fatal(err)
	}
	sendClip(t, c, sid)
	c.DeleteStream(sid)
	hits := g.collect(t, 3)
	if got := calls(hits); got != "publish record_done publish_done" {
		t.Fatalf("calls %q", got)
	}
	rd, pd := hits[1], hits[2]
	if rd.method != "GET" || rd.get("name") != "cam" || rd.get("stream") != "renamed" || rd.get("path") != filepath.Join(g.dir, "renamed.flv") {
		t.Errorf("record_done %s %v", rd.method, rd.params)
	}
	if pd.get("name") != "cam" || pd.get("stream") != "renamed" {
		t.Errorf("publish_done %v", pd.params)
	}
	if _, err := os.Stat(filepath.Join(g.dir, "renamed.flv")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(g.dir, "cam.flv")); err == nil {
		t.Error("the requested name was recorded")
	}
}

// mp4Counts returns the video and audio samples of an mp4/fmp4 file, as
// the strict checker reads them.
func mp4Counts(t *testing.T, path string) (video, audio int) {
	t.Helper()
	rep, err := mp4check.File(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range rep.Tracks {
		switch tr.Handler {
		case "vide":
			video = tr.Samples
		case "soun":
			audio = tr.Samples
		}
	}
	return video, audio
}
