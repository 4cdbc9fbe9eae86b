package notify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
)

// TestRedirectTargetEscapesClientValues: in a redirection target the
// values a client chose lose their "/" and leading "."; ours stay as they
// are; arguments are never escaped.
func TestRedirectTargetEscapesClientValues(t *testing.T) {
	vars := map[string]string{
		"name": "../outside/victim", "args": "a=/../b", "tcurl": "rtmp://h/live", "pageurl": "http://x/../y",
		"swfurl": ".hidden", "flashver": "LNX 9,0", "app": "live", "addr": "::1",
		"path": "/rec/sub/cam.flv", "dirname": "/rec/sub", "basename": "cam", "filename": "cam.flv", "recorder": "r1",
	}
	tests := []struct{ target, want string }{
		{"/logs/$name.log", "/logs/%2E.%2Foutside%2Fvictim.log"},
		{"/logs/${name}", "/logs/%2E.%2Foutside%2Fvictim"},
		{"/logs/$name-$args", "/logs/%2E.%2Foutside%2Fvictim-a%3D%2F..%2Fb"},
		{"/logs/$tcurl", "/logs/rtmp%3A%2F%2Fh%2Flive"},
		{"/logs/$pageurl", "/logs/http%3A%2F%2Fx%2F..%2Fy"},
		{"/logs/$swfurl", "/logs/%2Ehidden"},
		{"/logs/$flashver", "/logs/LNX%209%2C0"},
		{"$dirname/$basename.log", "/rec/sub/cam.log"},
		{"$path.log", "/rec/sub/cam.flv.log"},
		{"/logs/$app/$recorder-$filename-$addr", "/logs/live/r1-cam.flv-::1"},
	}
	for _, tt := range tests {
		if got := expandTarget(tt.target, vars); got != tt.want {
			t.Errorf("expandTarget(%q) = %q, want %q", tt.target, got, tt.want)
		}
	}
	if got := expand("$name", vars); got != vars["name"] {
		t.Errorf("an argument was escaped: %q", got)
	}
}

// TestRedirectStreamNameCannotEscape: exec_publish with >LOGS/$name.log and
// <LOGS/$name for every kind of redirection, a stream named
// ../outside/victim: nothing is created, cut or read outside LOGS, and the
// stream's log lands in LOGS under the escaped name.
func TestRedirectStreamNameCannotEscape(t *testing.T) {
	base := t.TempDir()
	logs, outside := filepath.Join(base, "logs"), filepath.Join(base, "outside")
	for _, d := range []string{logs, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	victim := filepath.Join(outside, "victim.log")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	echo := script(t, base, "echo.sh", `echo out; echo err >&2`)
	for _, redir := range []string{">", ">>", "1>", "2>", "2>>"} {
		t.Run(redir, func(t *testing.T) {
			m, _ := newTestModule(t)
			m.runAll([]conf.Command{{Args: []string{echo, redir + logs + "/$name.log"}}},
				map[string]string{"name": "../outside/victim"}, 0, m.Logger, "exec_publish")
			settle(t, m)
			if got := readFile(t, victim); got != "precious\n" {
				t.Errorf("%s reached outside: victim.log = %q", redir, got)
			}
			escaped := filepath.Join(logs, "%2E.%2Foutside%2Fvictim.log")
			if _, err := os.Stat(escaped); err != nil {
				t.Errorf("%s: %v", redir, err)
			}
			os.Remove(escaped)
		})
	}
	m, mlogs := newTestModule(t)
	m.runAll([]conf.Command{{Args: []string{"cat", "<" + logs + "/$name.log"}}},
		map[string]string{"name": "../outside/victim"}, 0, m.Logger, "exec_publish")
	settle(t, m)
	if !strings.Contains(mlogs.String(), "exec: not started") || strings.Contains(mlogs.String(), "precious") {
		t.Errorf("< read outside LOGS:\n%s", mlogs)
	}
	if es, _ := os.ReadDir(outside); len(es) != 1 {
		t.Errorf("outside holds %d files", len(es))
	}
}

// TestE2EExecRedirectCannotEscape: the attack with the real server: a
// publisher named ../outside/victim and exec_publish ... >LOGS/$name.log
// creates nothing outside LOGS, while exec_record_done's
// 2>>$dirname/$basename.log (values of ours) still writes beside the
// recording.
func TestE2EExecRedirectCannotEscape(t *testing.T) {
	base := t.TempDir()
	logs, outside := filepath.Join(base, "logs"), filepath.Join(base, "outside")
	for _, d := range []string{logs, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sh := script(t, base, "say.sh", `echo "stdout of $1"; echo "stderr of $1" >&2`)
	g := startRig(t, "", fmt.Sprintf(`record all; record_path DIR;
		exec_publish %[1]s publish >%[2]s/$name.log;
		exec_publish %[1]s args >>%[2]s/$name-$args.log;
		exec_record_done %[1]s record_done 2>>$dirname/$basename.log;`, sh, logs))
	c, sid, err := g.publish(t, "../outside/victim?x=/../../y")
	if err != nil {
		t.Fatal(err)
	}
	sendClip(t, c, sid)
	c.DeleteStream(sid)
	beside := filepath.Join(g.dir, "%2E.%2Foutside%2Fvictim.log")
	eventually(t, "exec_record_done's log", func() bool { _, err := os.Stat(beside); return err == nil })
	g.settle(t)
	if es, _ := os.ReadDir(outside); len(es) != 0 {
		t.Errorf("files created outside the log directory: %v", es)
	}
	want := map[string]string{
		filepath.Join(logs, "%2E.%2Foutside%2Fvictim.log"):                    "stdout of publish\n",
		filepath.Join(logs, "%2E.%2Foutside%2Fvictim-x%3D%2F..%2F..%2Fy.log"): "stdout of args\n",
		beside: "stderr of record_done\n",
	}
	for p, w := range want {
		if got := readFile(t, p); got != w {
			t.Errorf("%s = %q, want %q", p, got, w)
		}
	}
	if es, _ := os.ReadDir(logs); len(es) != 2 {
		t.Errorf("logs holds %v", es)
	}
}
