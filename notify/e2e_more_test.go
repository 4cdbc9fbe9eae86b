package notify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2ESplitsThenDisconnect: every file's record_done comes before
// publish_done, then done, also when the publisher just disconnects.
func TestE2ESplitsThenDisconnect(t *testing.T) {
	g := startRig(t, "", "on_publish_done CB/publish_done; on_done CB/done; on_record_done CB/record_done; record all; record_path DIR; record_unique on; record_max_frames 20;")
	c, sid, err := g.publish(t, "cam")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // one key frame per clip: splits happen there
		sendClipAt(t, c, sid, uint64(i)*1000)
	}
	// A command round trip makes sure the server read all the media
	// before the connection goes away.
	if _, err := c.CreateStream(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.Close()
	var hits []hit
	for len(hits) == 0 || hits[len(hits)-1].get("call") != "done" {
		hits = append(hits, g.recv.next(t))
	}
	got := calls(hits)
	n := strings.Count(got, "record_done")
	if n < 3 || got != strings.Repeat("record_done ", n)+"publish_done done" {
		t.Fatalf("calls %q", got)
	}
	for i, h := range hits[:n] {
		want := "split"
		if i == n-1 {
			want = "disconnect"
		}
		if h.get("reason") != want {
			t.Errorf("record_done %d reason %q, want %q", i, h.get("reason"), want)
		}
		if _, err := os.Stat(h.get("path")); err != nil {
			t.Errorf("record_done %d: %v", i, err)
		}
	}
	if hits[n].get("reason") != "disconnect" {
		t.Errorf("publish_done %v", hits[n].params)
	}
}

// TestE2EUpdate: on_update repeats every notify_update_timeout while it is
// answered; a failing answer drops the publisher. notify_update_strict
// makes a 3xx a failure too.
func TestE2EUpdate(t *testing.T) {
	tests := []struct {
		name   string
		strict string
		fail   answer
		tolera answer // an answer that must not drop
	}{
		{name: "non-strict 500", strict: "off", fail: answer{status: 500}, tolera: answer{status: 302, location: "x"}},
		{name: "non-strict timeout", strict: "off", fail: answer{hang: true}, tolera: answer{status: 204}},
		{name: "strict 302", strict: "on", fail: answer{status: 302}, tolera: answer{status: 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := startRig(t, "netcall_timeout 300ms;", "on_update CB/update; on_publish_done CB/publish_done; notify_update_timeout 30ms; notify_update_strict "+tt.strict+";")
			g.recv.answer("update_publish", tt.tolera)
			c, sid, err := g.publish(t, "cam?k=v")
			if err != nil {
				t.Fatal(err)
			}
			sendClip(t, c, sid)
			var first hit
			for i := 0; i < 3; i++ { // tolerated answers keep the updates coming
				h := g.recv.next(t)
				if h.get("call") != "update_publish" || h.keys() != session+",time,timestamp,name,stream,k" {
					t.Fatalf("hit %v", h.params)
				}
				if i == 0 {
					first = h
				}
			}
			if first.get("name") != "cam" || first.get("k") != "v" {
				t.Errorf("update %v", first.params)
			}
			g.recv.answer("update_publish", tt.fail)
			for {
				h := g.recv.next(t)
				if h.get("call") == "publish_done" {
					if h.get("reason") != "drop" {
						t.Errorf("publish_done %v", h.params)
					}
					break
				}
			}
			select {
			case <-c.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("publisher not dropped")
			}
			if !strings.Contains(g.logs.String(), "on_update failed; dropping the publisher") {
				t.Errorf("log:\n%s", g.logs)
			}
		})
	}
}

// TestE2EUpdateTimestamp: on_update reports the last media timestamp.
func TestE2EUpdateTimestamp(t *testing.T) {
	g := startRig(t, "", "on_update CB/update; notify_update_timeout 30ms;")
	c, sid, err := g.publish(t, "cam")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMedia(9, sid, 1234, []byte{0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65}); err != nil {
		t.Fatal(err)
	}
	for {
		h := g.recv.next(t)
		if h.get("timestamp") == "1234" {
			break
		}
		if h.get("timestamp") != "0" {
			t.Fatalf("update %v", h.params)
		}
	}
}

// TestE2EExec: exec_publish, exec_record_done (inherited from the
// application and added by the recorder) and exec_publish_done run a real
// script with nginx-rtmp's variables; exec_record_done runs after
// on_record_done was issued.
func TestE2EExec(t *testing.T) {
	dir := t.TempDir()
	sh := script(t, dir, "args.sh", `out="$1"; shift; printf '%s\n' "$@" > "$out"`)
	body := fmt.Sprintf(`
		on_publish CB/publish;
		on_record_done CB/record_done;
		exec_publish %[1]s %[2]s/publish $app $name $args $addr $tcurl;
		exec_publish_done %[1]s %[2]s/publish_done $name;
		exec_record_done %[1]s %[2]s/app_rd $path;
		exec_timeout 10s;
		recorder r1 {
			record all; record_path DIR;
			exec_record_done %[1]s %[2]s/rd $path $filename $basename $dirname $recorder $name ${app} $args "\$x" >%[2]s/stdout;
		}`, sh, dir)
	g := startRig(t, "", body)
	g.recv.answer("publish", answer{status: 302, location: "renamed"})
	c, sid, err := g.publish(t, "cam?a=1")
	if err != nil {
		t.Fatal(err)
	}
	sendClip(t, c, sid)
	c.DeleteStream(sid)
	if got := calls(g.collect(t, 2)); got != "publish record_done" {
		t.Fatalf("calls %q", got)
	}
	g.settle(t)
	path := filepath.Join(g.dir, "renamed.flv")
	want := map[string]string{
		"publish":      fmt.Sprintf("live\nrenamed\na=1\n127.0.0.1\nrtmp://%s/live?token=abc\n", g.addr),
		"app_rd":       path + "\n",
		"rd":           strings.Join([]string{path, "renamed.flv", "renamed", g.dir, "r1", "renamed", "live", "a=1", "$x"}, "\n") + "\n",
		"publish_done": "renamed\n",
		"stdout":       "",
	}
	for f, w := range want {
		if got := readFile(t, filepath.Join(dir, f)); got != w {
			t.Errorf("%s = %q, want %q", f, got, w)
		}
	}
}
