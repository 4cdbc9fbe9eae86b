package conf

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden dumps and README's directive list")

// TestNginxRTMPConfig loads a configuration as people write it for nginx
// with nginx-rtmp: everything rtmprecd does not do is a warning, once each.
func TestNginxRTMPConfig(t *testing.T) {
	cfg, err := Load("testdata/nginx-rtmp.conf")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cfg.Warnings {
		got = append(got, w.String())
	}
	// one warning per ignored name, at its first line
	want := []string{
		"user@2", "worker_processes@3", "load_module@5", "events@8", "sendfile@14",
		"keepalive_timeout@15", "server_name@19", "types@35",
		"add_header@40", "rtmp_auto_push@45", "allow play@60", "on_play@64", "hls@66", "hls_path@67",
		"hls_fragment@68", "hls_playlist_length@69", "push@71", "exec_push@72", "meta@77", "wait_key@78",
	}
	got = got[:0]
	for _, w := range cfg.Warnings {
		name, _, ok := strings.Cut(strings.TrimPrefix(w.Msg, `"`), `" directive is ignored by rtmprecd`)
		if !ok {
			t.Errorf("not an ignored-directive warning: %s", w)
		}
		got = append(got, fmt.Sprintf("%s@%d", name, w.Pos.Line))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s := cfg.Servers[0]
	live, rec := s.Applications[0], s.Applications[1]
	if cfg.Pid != "/tmp/nginx-rtmp-test.pid" || cfg.ErrorLogLevel != "warn" || s.Listen[0].Addr != ":1935" {
		t.Errorf("top: %+v", cfg)
	}
	if len(live.Recorders) != 1 || live.Recorders[0].Flags != RecordOff || len(live.Access) != 3 || live.Notify.Method != "get" {
		t.Errorf("live: %+v", live)
	}
	if locs := cfg.HTTP[0].Locations; locs[0].StatStylesheet != "stat.xsl" || locs[1].Root != "/var/www/html" || locs[3].Root != "/tmp" {
		t.Errorf("stat stylesheet and roots: %+v %+v %+v", locs[0], locs[1], locs[3])
	}
	if names := recorderNames(rec); names != "keyframes,audio,," {
		t.Errorf("rec recorders %q", names)
	}
	if a := rec.Recorder("audio"); len(a.ExecRecordDone) != 2 || !a.Unique || a.MaxSize != 100<<20 {
		t.Errorf("audio recorder: %+v", a)
	}
}

func recorderNames(a *Application) string {
	var b strings.Builder
	for _, r := range a.Recorders {
		b.WriteString(r.Name + ",")
	}
	return b.String()
}

// TestSampleConfig loads the repository's rtmprecd.conf without warnings.
func TestSampleConfig(t *testing.T) {
	cfg, err := Load("../rtmprecd.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %v", cfg.Warnings)
	}
	r := cfg.Servers[0].Applications[0].Recorder("")
	if r == nil || r.Path != "recordings" || r.SuffixFormat == nil || cfg.Servers[0].Listen[0].Addr != "127.0.0.1:1935" {
		t.Errorf("sample: %+v", r)
	}
}

var nginxBlock = regexp.MustCompile("(?s)```nginx\n(.*?)```")

// TestReadmeConfigs loads every ```nginx block of README.md.
func TestReadmeConfigs(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range nginxBlock.FindAllSubmatch(readme, -1) {
		if _, err := LoadBytes(filepath.Join("..", "README.md"), m[1]); err != nil {
			t.Errorf("README block %d: %v\n%s", i+1, err, m[1])
		}
	}
}

const (
	docsBegin = "<!-- directives:begin -->\n"
	docsEnd   = "<!-- directives:end -->"
)

// TestReadmeDirectives checks README's directive list against the table;
// go test ./conf -run TestReadmeDirectives -update rewrites it.
func TestReadmeDirectives(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(readme, []byte(docsBegin)), bytes.Index(readme, []byte(docsEnd))
	if i < 0 || j < i {
		t.Fatal("README.md has no directives markers")
	}
	got, want := string(readme[i+len(docsBegin):j]), DirectiveDocs()
	if got == want {
		return
	}
	if !*update {
		t.Fatalf("README.md directive list is stale; run go test ./conf -run TestReadmeDirectives -update")
	}
	out := append(append(append([]byte(nil), readme[:i+len(docsBegin)]...), want...), readme[j:]...)
	if err := os.WriteFile("../README.md", out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGoldenDumps compares the canonical dump of each testdata/golden/*.conf
// with its .dump file, and checks that the dump loads to the same hash.
func TestGoldenDumps(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.conf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden configs: %v", err)
	}
	for _, f := range append(files, "testdata/nginx-rtmp.conf", "../rtmprecd.conf") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cfg, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, cfg)
			if !strings.HasPrefix(f, "testdata/golden/") {
				return
			}
			golden := strings.TrimSuffix(f, ".conf") + ".dump"
			if *update {
				if err := os.WriteFile(golden, cfg.Dump(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cfg.Dump(), want) {
				t.Errorf("dump differs from %s (-update rewrites it):\n%s", golden, cfg.Dump())
			}
		})
	}
}

// checkRoundTrip: loading the dump gives the same dump, hence the same hash.
func checkRoundTrip(t *testing.T, cfg *Config) {
	t.Helper()
	again, err := LoadBytes("dump.conf", cfg.Dump())
	if err != nil {
		t.Fatalf("dump does not load: %v\n%s", err, cfg.Dump())
	}
	if again.Hash != cfg.Hash || !bytes.Equal(again.Dump(), cfg.Dump()) {
		t.Fatalf("dump does not round-trip:\n%s\n---\n%s", cfg.Dump(), again.Dump())
	}
}
