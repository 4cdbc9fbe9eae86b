package record

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/nginxrtmp"
	"github.com/rtmprecd/rtmprecd/media"
)

// sideBySideRecorders is the application body both servers run, with
// DIR standing for each one's record_path.
const sideBySideRecorders = `
   recorder all { record all; record_path DIR/all; }
   recorder audio { record audio; record_path DIR/audio; }
   recorder video { record video; record_path DIR/video; }
   recorder keys { record keyframes; record_path DIR/keys; }`

// TestNginxSideBySide publishes the same frames to Debian's nginx-rtmp and
// to rtmprecd with the same recorders, and compares the media tags of the
// files (type, timestamp, payload; sequence headers aside, as nginx-rtmp
// writes the AAC one twice). It runs when nginx and the module are
// installed (apt-get install nginx libnginx-mod-rtmp) and skips otherwise;
// RTMPRECD_NGINX=1 makes their absence a failure.
func TestNginxSideBySide(t *testing.T) {
	ng := startNginx(t)
	s := startServer(t, sideBySideRecorders)
	in := append([]media.Frame{aSeq(0), vSeq(0), aRaw(5, 0), vInter(10, 0), aRaw(28, 1)},
		stream{start: 40, dur: 2000, gop: 25, audio: true}.frames()...)
	for _, addr := range []string{ng.addr, s.addr} {
		p, err := publish(t, addr, "cam")
		if err != nil {
			t.Fatal(err)
		}
		p.send(t, in...)
		p.c.DeleteStream(p.sid)
	}
	s.wait(t, 4)
	ng.wait(t, 4)
	for _, rec := range []string{"all", "audio", "video", "keys"} {
		theirs := readFLV(t, filepath.Join(ng.dir, rec, "cam.flv"))
		ours := readFLV(t, filepath.Join(s.dir, rec, "cam.flv"))
		a, b := tagsString(mediaTags(theirs)), tagsString(mediaTags(ours))
		if a != b {
			t.Errorf("%s: nginx-rtmp %s\nrtmprecd %s", rec, a, b)
			continue
		}
		for i, tg := range mediaTags(ours) {
			if string(tg.Data) != string(mediaTags(theirs)[i].Data) {
				t.Errorf("%s: tag %d payload differs", rec, i)
			}
		}
		if theirs.Header.Flags != ours.Header.Flags {
			t.Errorf("%s: header flags nginx %#x, ours %#x", rec, theirs.Header.Flags, ours.Header.Flags)
		}
	}
}

type nginx struct {
	addr string
	dir  string
	done chan string
}

func (n *nginx) wait(t *testing.T, k int) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for range k {
		select {
		case <-n.done:
		case <-timeout:
			t.Fatal("nginx-rtmp sent no on_record_done")
		}
	}
}

// startNginx runs a private Debian nginx-rtmp (internal/nginxrtmp) with
// the side-by-side recorders and an on_record_done callback. Under CI=true
// a missing nginx fails the test; elsewhere it skips.
func startNginx(t *testing.T) *nginx {
	t.Helper()
	n := &nginx{dir: t.TempDir(), done: make(chan string, 16)}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		n.done <- r.Form.Get("path")
	}))
	t.Cleanup(hook.Close)
	for _, d := range []string{"all", "audio", "video", "keys"} {
		if err := os.MkdirAll(filepath.Join(n.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	srv := nginxrtmp.StartTest(t, nginxrtmp.Options{
		RecordDir: n.dir,
		AppConfig: "on_record_done " + hook.URL + "/done;\n" +
			strings.ReplaceAll(sideBySideRecorders, "DIR", n.dir),
	})
	n.addr = srv.Addr()
	return n
}
