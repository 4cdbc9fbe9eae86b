package notify

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
)

// bannerHead and bannerTail open and close a 3 KB stderr banner like the
// one ffmpeg prints before doing anything.
const (
	bannerHead = "ffmpeg version 7.1.1-1 Copyright (c) 2000-2025 the FFmpeg developers"
	bannerTail = "libpostproc    58.  3.100 / 58.  3.100"
)

// bannerScript writes the banner to stderr, then: "ok" exits 0, "fail"
// says why and exits 1, "kill" is killed by SIGKILL, "hang" sleeps.
func bannerScript(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(bannerHead + "\n")
	for b.Len() < 3<<10-len(bannerTail)-1 {
		b.WriteString("  configuration: --prefix=/usr --enable-gpl --enable-libx264 --enable-libx265\n")
	}
	b.WriteString(bannerTail + "\n")
	banner := filepath.Join(dir, "banner")
	if err := os.WriteFile(banner, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return script(t, dir, "banner.sh", fmt.Sprintf(`cat %q >&2
case "$1" in
ok) exit 0 ;;
fail) echo "cam.flv: Invalid data found when processing input" >&2; exit 1 ;;
kill) echo "about to be killed" >&2; kill -9 $$ ;;
hang) exec sleep 30 ;;
esac`, banner))
}

// TestExecLogsStderrOnlyWhenFailed: an exec command logs one line at the
// operator's default level, with exit status and duration; its stderr (a
// 3 KB banner) only when it fails, is killed or times out, and then only
// the tail, where the reason is.
func TestExecLogsStderrOnlyWhenFailed(t *testing.T) {
	sh := bannerScript(t, t.TempDir())
	tests := []struct {
		arg     string
		timeout time.Duration
		want    []string // in the one line
		tail    string   // stderr's last words, "" = no stderr logged
	}{
		{arg: "ok", want: []string{"level=INFO", `msg="exec done"`, "status=0"}},
		{arg: "fail", want: []string{"level=WARN", `msg="exec failed"`, "status=1"}, tail: "Invalid data found when processing input"},
		{arg: "kill", want: []string{"level=WARN", `msg="exec killed by a signal"`, "signal=killed"}, tail: "about to be killed"},
		{arg: "hang", timeout: 100 * time.Millisecond,
			want: []string{"level=WARN", `msg="exec killed after exec_timeout"`, "timeout=100ms"}, tail: bannerTail},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			m, _ := newTestModule(t)
			logs := &testserver.LogBuffer{}
			cmd := conf.Command{Args: []string{sh, "$name"}}
			cmd.Pos.File, cmd.Pos.Line = "x.conf", 7
			m.runAll([]conf.Command{cmd}, map[string]string{"name": tt.arg, "path": "/rec/cam.flv"}, tt.timeout,
				logs.Logger(slog.LevelInfo), "exec_record_done")
			settle(t, m)
			out := strings.TrimSuffix(logs.String(), "\n")
			if strings.Count(out, "\n") != 0 {
				t.Fatalf("want one line, got:\n%s", out)
			}
			for _, w := range append(tt.want, "duration=", "directive=exec_record_done", "at=x.conf:7", "path=/rec/cam.flv", "pid=") {
				if !strings.Contains(out, w) {
					t.Errorf("log lacks %q:\n%s", w, out)
				}
			}
			switch {
			case tt.tail == "" && strings.Contains(out, "stderr"):
				t.Errorf("stderr logged for a command that succeeded:\n%s", out)
			case tt.tail != "" && !strings.Contains(out, tt.tail):
				t.Errorf("stderr tail %q missing:\n%s", tt.tail, out)
			}
			if strings.Contains(out, bannerHead) || len(out) > maxStderr+512 {
				t.Errorf("the whole banner was logged (%d bytes):\n%s", len(out), out)
			}
		})
	}
}

// TestE2EExecRecordDoneFFmpeg: the setup that logged ffmpeg's banner as a
// WARN per file: exec_record_done remuxes each recording with the real
// ffmpeg; the log has one INFO line for it and none of its stderr, and
// the MP4 is there. A failing ffmpeg logs its reason.
func TestE2EExecRecordDoneFFmpeg(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	g := startRig(t, "", `record all; record_path DIR;
		exec_record_done ffmpeg -nostdin -y -i $path -c copy $dirname/$basename.mp4;
		exec_record_done ffmpeg -nostdin -i $dirname/missing.flv $dirname/missing.mp4;`)
	c, sid, err := g.publish(t, "cam")
	if err != nil {
		t.Fatal(err)
	}
	sendClip(t, c, sid)
	c.DeleteStream(sid)
	var info, warn []string
	eventually(t, "both commands to end", func() bool {
		info, warn = execLines(g.logs.String(), "exec_record_done")
		return len(info)+len(warn) >= 2
	})
	g.settle(t)
	info, warn = execLines(g.logs.String(), "exec_record_done")
	if len(info) != 1 || !strings.Contains(info[0], `msg="exec done"`) || !strings.Contains(info[0], "status=0") ||
		strings.Contains(info[0], "stderr") {
		t.Errorf("the remux logged %q, want one exec done line without stderr", info)
	}
	if len(warn) != 1 || !strings.Contains(warn[0], `msg="exec failed"`) || !strings.Contains(warn[0], "No such file or directory") {
		t.Errorf("the failing ffmpeg logged %q, want one exec failed line with its reason", warn)
	}
	if strings.Count(g.logs.String(), "ffmpeg version") > 1 {
		t.Errorf("ffmpeg's banner was logged for the remux too:\n%s", g.logs)
	}
	if v, a := testmedia.ProbePackets(t, filepath.Join(g.dir, "cam.mp4")); v == 0 || a == 0 {
		t.Errorf("cam.mp4 has %d video and %d audio packets", v, a)
	}
}

// execLines returns directive's exec log lines above DEBUG: the INFO ones
// and the others.
func execLines(log, directive string) (info, other []string) {
	for _, l := range strings.Split(log, "\n") {
		switch {
		case !strings.Contains(l, "directive="+directive+" "), strings.Contains(l, "level=DEBUG"):
		case strings.Contains(l, "level=INFO"):
			info = append(info, l)
		default:
			other = append(other, l)
		}
	}
	return info, other
}
