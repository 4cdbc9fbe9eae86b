package control

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/record"
)

func TestRecordStartStop(t *testing.T) {
	r := newRig(t)
	p := r.publish("live", "cam1")
	want := filepath.Join(r.dir, "cam1-man.flv")

	for i, m := range []string{http.MethodGet, http.MethodPost} {
		t.Run(m, func(t *testing.T) {
			got := r.want(m, "/control/record/start?app=live&name=cam1&rec=man", 200, "")
			if i > 0 {
				want = got // the first file is never overwritten: a new name
			}
			if !strings.HasPrefix(got, filepath.Join(r.dir, "cam1-")) || got != want {
				t.Fatalf("start body %q, want %q", got, want)
			}
			if _, err := os.Stat(want); err != nil {
				t.Fatalf("start answered 200 but the file is not there: %v", err)
			}
			r.want(m, "/control/record/start?app=live&name=cam1&rec=man", 204, "")
			p.gop()
			// A file that gets no media is removed at stop: let the whole GOP
			// in (its size alone also grows with sequence headers still in
			// flight from the publish).
			eventually(t, "the GOP recorded", func() bool { return manDuration(r.rec.Recordings()) >= 60*time.Millisecond })
			if got := r.want(m, "/control/record/stop?app=live&name=cam1&rec=man", 200, ""); got != want {
				t.Fatalf("stop body %q, want %q", got, want)
			}
			r.want(m, "/control/record/stop?app=live&name=cam1&rec=man", 204, "")
			evs := r.closed()
			if len(evs) == 0 || evs[len(evs)-1].Path != want || evs[len(evs)-1].Reason != record.ReasonStop {
				t.Fatalf("last record event %+v, want %s closed by stop", evs, want)
			}
		})
	}
}

// manDuration is the media time in the manual recorder's open file, or 0.
func manDuration(recs []record.Recording) time.Duration {
	for _, rc := range recs {
		if rc.Recorder == "man" {
			return rc.Duration
		}
	}
	return 0
}

func TestRecordNothingMatches(t *testing.T) {
	r := newRig(t)
	r.publish("live", "cam1")
	r.publish("off", "cam2")
	eventually(t, "the automatic recording", func() bool { return len(r.rec.Recordings()) == 1 })
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/control/record/start?app=live&name=nobody&rec=man", 204, ""},
		{"/control/record/start?app=nope&name=cam1&rec=man", 204, ""},
		{"/control/record/start?app=live&name=cam1&clientid=999&rec=man", 204, ""},
		{"/control/record/start?app=live&name=cam1&addr=10.9.9.9&rec=man", 204, ""},
		{"/control/record/start?app=live&name=cam1&srv=0&rec=nosuch", 404, `no recorder "nosuch"`},
		{"/control/record/start?app=off&name=cam2", 404, "off"},
		{"/control/record/stop?app=live&name=cam1&rec=man", 204, ""},
		// The automatic inline recorder is already recording.
		{"/control/record/start?app=live&name=cam1", 204, ""},
	}
	for _, tt := range tests {
		r.want("GET", tt.path, tt.code, tt.body)
	}
}

// TestRecordNeedsAppAndName: nginx-rtmp widens a missing app or name to
// every stream; rtmprecd answers 400 with the reason and starts nothing.
func TestRecordNeedsAppAndName(t *testing.T) {
	r := newRig(t)
	r.publish("live", "cam1")
	eventually(t, "the automatic recording", func() bool { return len(r.rec.Recordings()) == 1 })
	for _, tt := range []struct{ path, method string }{
		{"/control/record/start", "start"}, {"/control/record/start?rec=man", "start"},
		{"/control/record/start?app=live&rec=man", "start"}, {"/control/record/start?name=cam1&rec=man", "start"},
		{"/control/record/start?app=live&name=&rec=man", "start"},
		{"/control/record/stop?app=live", "stop"}, {"/control/record/stop", "stop"},
	} {
		if got := r.want("GET", tt.path, 400, ""); got != "record/"+tt.method+" needs app and name\n" {
			t.Errorf("%s: %q", tt.path, got)
		}
	}
	if recs := r.rec.Recordings(); len(recs) != 1 || recs[0].Recorder != "" {
		t.Errorf("recordings after the refused calls: %+v", recs)
	}
	r.want("GET", "/control/record/start?app=live&name=cam1&rec=man", 200, filepath.Join(r.dir, "cam1-man.flv"))
}

func TestRecordOpenFails(t *testing.T) {
	dir := t.TempDir()
	// The manual recorder's record_path is below a regular file: the open fails.
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := strings.ReplaceAll(testConfig, "%[1]s", dir)
	own := "record_path " + dir + ";\n                record_suffix -man.flv;"
	if !strings.Contains(cfg, own) {
		t.Fatal("testConfig changed: no manual recorder record_path to replace")
	}
	r := newRigConfig(t, dir, strings.Replace(cfg, own, "record_path "+blocker+"/sub;\n                record_suffix -man.flv;", 1))
	r.publish("live", "cam1")
	r.want("GET", "/control/record/start?app=live&name=cam1&rec=man", 500, "not a directory")
}

// TestDropWaitsForRecordingsWhateverTheModuleOrder: drop answers once the
// dropped publisher's files are finished even with the control module
// after the recorders: it waits for the stream hub's end, not for a hook
// placed before the recorders.
func TestDropWaitsForRecordingsWhateverTheModuleOrder(t *testing.T) {
	dir := t.TempDir()
	r := newRigWith(t, dir, fmt.Sprintf(testConfig, dir), rigOptions{meterLast: true})
	r.publish("live", "a")
	eventually(t, "the recording", func() bool { return len(r.rec.Recordings()) == 1 })
	if got := r.want("POST", "/control/drop/publisher?app=live&name=a", 200, ""); got != "1" {
		t.Fatalf("drop body %q, want 1", got)
	}
	if evs := r.closed(); len(evs) != 1 || evs[0].Reason != record.ReasonDrop {
		t.Fatalf("files finished when drop answered: %+v, want one closed by drop", evs)
	}
}

func TestDrop(t *testing.T) {
	r := newRig(t)
	a, b := r.publish("live", "a"), r.publish("live", "b")
	r.publish("off", "c")
	eventually(t, "both recordings", func() bool { return len(r.rec.Recordings()) == 2 })
	r.want("GET", "/control/drop/subscriber?app=live", 200, "0")
	r.want("GET", "/control/drop/publisher?app=live&name=nobody", 200, "0")
	if got := r.want("POST", "/control/drop/publisher?app=live", 200, ""); got != "2" {
		t.Fatalf("drop body %q, want 2", got)
	}
	// The answer comes after the dropped publishers' files were finished.
	evs := r.closed()
	if len(evs) != 2 {
		t.Fatalf("%d files finished when drop answered, want 2: %+v", len(evs), evs)
	}
	for _, ev := range evs {
		if ev.Reason != record.ReasonDrop {
			t.Errorf("%s closed with %q, want drop", ev.Path, ev.Reason)
		}
	}
	for _, p := range []*pub{a, b} {
		<-p.c.Done()
	}
	id := r.srv.Registry().Lookup("off", "c").ID()
	r.want("GET", "/control/drop/client?clientid=999", 200, "0")
	if got := r.want("GET", "/control/drop/client?clientid="+itoa(id), 200, ""); got != "1" {
		t.Fatalf("drop by clientid = %q", got)
	}
	eventually(t, "no session left", func() bool { return len(r.srv.Registry().Sessions()) == 0 })
}

func TestToken(t *testing.T) {
	r := newRig(t)
	r.publish("live", "cam1")
	path := "/x/secret/drop/publisher?app=live&name=nobody"
	r.want("GET", "/secret/drop/publisher?app=live&name=nobody", 401, "Bearer")
	for _, tt := range []struct {
		token string
		code  int
	}{{"", 401}, {"wrong", 403}, {"s3cret!", 403}, {"s3cre", 403}, {"s3cret", 200}} {
		if code, body := r.do("GET", strings.TrimPrefix(path, "/x"), tt.token); code != tt.code {
			t.Errorf("token %q: %d %q, want %d", tt.token, code, body, tt.code)
		}
	}
	// The location enables record and drop, not redirect.
	if code, _ := r.do("GET", "/secret/redirect/publisher?newname=x", "s3cret"); code != 404 {
		t.Errorf("redirect where not enabled: %d, want 404", code)
	}
	// Other locations of the server have no token.
	r.want("GET", "/control/drop/publisher?app=live&name=nobody", 200, "0")
}

func TestMalformed(t *testing.T) {
	r := newRig(t)
	tests := []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/control/record/start?app=%zz", 400, "malformed query"},
		{"GET", "/control/record/start?srv=x", 400, "srv"},
		{"GET", "/control/record/start?srv=-1", 400, "srv"},
		{"GET", "/control/record/start?srv=7", 400, "no such rtmp server"},
		{"GET", "/control/drop/client?clientid=abc", 400, "clientid"},
		{"GET", "/control/drop/client?app=a&app=b", 400, "2 times"},
		{"GET", "/control/drop/client?name=" + strings.Repeat("n", 300), 400, "longer"},
		{"GET", "/control/record/pause?app=live", 404, "unknown method"},
		{"GET", "/control/record/", 404, "unknown method"},
		{"GET", "/control/what/ever", 404, "unknown control call"},
		{"DELETE", "/control/record/start", 405, "not allowed"},
		{"HEAD", "/control/drop/publisher", 405, ""},
		{"GET", "/control/reload", 405, "POST"},
		{"POST", "/control/status", 405, ""},
		{"GET", "/ro/record/start", 404, "does not enable record"},
		{"POST", "/ro/reload", 404, "rtmp_control all"},
		{"GET", "/nowhere", 404, "no location"},
		{"GET", "/stat?format=yaml", 400, "format"},
		{"POST", "/stat", 405, ""},
	}
	for _, tt := range tests {
		code, body := r.do(tt.method, tt.path, "")
		if code != tt.code || !strings.Contains(body, tt.body) {
			t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.path, code, body, tt.code, tt.body)
		}
		if strings.Count(strings.TrimSuffix(body, "\n"), "\n") > 0 {
			t.Errorf("%s %s: reason is not one line: %q", tt.method, tt.path, body)
		}
	}
	// Any prefix works: only the last two segments matter.
	r.want("GET", "/control/anything/drop/publisher?app=x", 200, "0")
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// TestControlWithLiveOff: nginx-rtmp's control and stat only see streams
// of `live on` applications; rtmprecd's see every publisher, so `live` can
// stay off (the rig's applications do not set it).
func TestControlWithLiveOff(t *testing.T) {
	r := newRig(t)
	if app := r.reload.cfg.Load().Servers[0].Applications[0]; app.Name != "live" || app.Live {
		t.Fatalf("the rig's application %q has live %v, want off", app.Name, app.Live)
	}
	r.publish("live", "cam1")
	eventually(t, "the automatic recording", func() bool { return len(r.rec.Recordings()) == 1 })
	r.want("GET", "/control/record/start?app=live&name=cam1&rec=man", 200, filepath.Join(r.dir, "cam1-man.flv"))
	r.want("GET", "/control/record/stop?app=live&name=cam1&rec=man", 200, filepath.Join(r.dir, "cam1-man.flv"))
	if st := r.stat(t); len(st.Servers[0].Applications[0].Live.Streams) != 1 {
		t.Errorf("stat: %+v", st.Servers[0].Applications[0].Live)
	}
	r.want("GET", "/control/drop/publisher?app=live&name=cam1", 200, "1")
}
