package notify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// script writes an executable #!/bin/sh script into dir.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExecRuns(t *testing.T) {
	dir := t.TempDir()
	// args writes its arguments to the file named by the first one, one
	// per line, and the daemon's RTMPRECD_TEST_ENV as the last line.
	args := script(t, dir, "args.sh", `out="$1"; shift; for a in "$@"; do printf '%s\n' "$a"; done > "$out"; printf 'env=%s\n' "$RTMPRECD_TEST_ENV" >> "$out"`)
	echo := script(t, dir, "echo.sh", `for a in "$@"; do printf '%s\n' "$a"; done; echo "to stderr" >&2`)
	fd3 := script(t, dir, "fd3.sh", `echo "on three" >&3`)
	t.Setenv("RTMPRECD_TEST_ENV", "inherited")
	vars := map[string]string{"dirname": dir, "name": "cam", "path": dir + "/cam.flv", "basename": "cam"}
	tests := []struct {
		name  string
		args  []string
		file  string // file to read afterwards, relative to dir
		want  string
		twice bool // run the command twice (append)
	}{
		{name: "arguments and variables", args: []string{args, "$dirname/out", "-i", "$path", "${basename}.mp4", `\$name`, "a b", "$nothing"},
			file: "out", want: "-i\n" + dir + "/cam.flv\ncam.mp4\n$name\na b\n\nenv=inherited\n"},
		{name: "stdout truncate", args: []string{echo, ">$dirname/o1", "x"}, file: "o1", want: "x\n"},
		{name: "stdout append", args: []string{echo, ">>$dirname/o2", "y"}, file: "o2", want: "y\ny\n", twice: true},
		{name: "numbered fd", args: []string{echo, "1>$dirname/o3", "2>$dirname/e3", "z"}, file: "e3", want: "to stderr\n"},
		{name: "dup stderr to stdout", args: []string{echo, ">$dirname/o4", "2>&1", "w"}, file: "o4", want: "w\nto stderr\n"},
		{name: "dup order matters", args: []string{echo, "2>&1", ">$dirname/o5", "v"}, file: "o5", want: "v\n"},
		{name: "stdin", args: []string{"cat", "<" + dir + "/out", ">$dirname/o6"}, file: "o6",
			want: "-i\n" + dir + "/cam.flv\ncam.mp4\n$name\na b\n\nenv=inherited\n"},
		{name: "fd 3", args: []string{fd3, "3>$dirname/o7"}, file: "o7", want: "on three\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestModule(t)
			n := 1
			if tt.twice {
				n = 2
			}
			for range n {
				m.runAll([]conf.Command{{Args: tt.args}}, vars, 0, m.Logger, "exec_record_done")
				settle(t, m)
			}
			if got := readFile(t, filepath.Join(dir, tt.file)); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.file, got, tt.want)
			}
		})
	}
}

func TestExecLogs(t *testing.T) {
	dir := t.TempDir()
	fail := script(t, dir, "fail.sh", `echo "bad input $1" >&2; exit 3`)
	tests := []struct {
		name    string
		args    []string
		timeout time.Duration
		want    []string
	}{
		{name: "stderr and exit status", args: []string{fail, "$name"},
			want: []string{"exec failed", `stderr="bad input cam"`, "status=3", "directive=exec_publish", "at=x.conf:3"}},
		{name: "missing program", args: []string{filepath.Join(dir, "nope"), "a"},
			want: []string{"level=ERROR", "exec: not started", "no such file or directory"}},
		{name: "missing in PATH", args: []string{"rtmprecd-no-such-program"},
			want: []string{"level=ERROR", "exec: not started", "executable file not found"}},
		{name: "bad redirection", args: []string{fail, ">" + dir + "/no/such/dir/f"},
			want: []string{"level=ERROR", "exec: not started", "redirection"}},
		{name: "empty redirection target", args: []string{fail, ">$nothing"},
			want: []string{"level=ERROR", "empty file name"}},
		{name: "timeout", args: []string{"sleep", "30"}, timeout: 50 * time.Millisecond,
			want: []string{"exec killed after exec_timeout", "timeout=50ms"}},
		{name: "success", args: []string{"true"}, want: []string{"exec started", "exec done", "status=0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, logs := newTestModule(t)
			cmd := conf.Command{Args: tt.args}
			cmd.Pos.File, cmd.Pos.Line = "x.conf", 3
			m.runAll([]conf.Command{cmd}, map[string]string{"name": "cam"}, tt.timeout, m.Logger, "exec_publish")
			settle(t, m)
			for _, w := range tt.want {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, logs)
				}
			}
		})
	}
}

func TestParseRedirect(t *testing.T) {
	const w, a, r = os.O_WRONLY | os.O_CREATE | os.O_TRUNC, os.O_WRONLY | os.O_CREATE | os.O_APPEND, os.O_RDONLY
	tests := []struct {
		in   string
		ok   bool
		want redirection
	}{
		{">f", true, redirection{fd: 1, dup: -1, path: "f", flags: w}},
		{">>f", true, redirection{fd: 1, dup: -1, path: "f", flags: a}},
		{"2>f", true, redirection{fd: 2, dup: -1, path: "f", flags: w}},
		{"2>>/var/log/x", true, redirection{fd: 2, dup: -1, path: "/var/log/x", flags: a}},
		{"<in", true, redirection{fd: 0, dup: -1, path: "in", flags: r}},
		{"2>&1", true, redirection{fd: 2, dup: 1, flags: w}},
		{"1>&2", true, redirection{fd: 1, dup: 2, flags: w}},
		{">", true, redirection{fd: 1, dup: -1, flags: w}}, // empty target: an error when run
		{"2>&x", false, redirection{}},
		{"-i", false, redirection{}},
		{"2", false, redirection{}},
		{"12>f", false, redirection{}},
		{"a>f", false, redirection{}},
		{"", false, redirection{}},
	}
	for _, tt := range tests {
		got, ok := parseRedirect(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseRedirect(%q) = %+v %v, want %+v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestExpandedValueIsNeverARedirection(t *testing.T) {
	dir := t.TempDir()
	args := script(t, dir, "args.sh", `out="$1"; shift; printf '%s\n' "$@" > "$out"`)
	m, _ := newTestModule(t)
	m.runAll([]conf.Command{{Args: []string{args, dir + "/out", "$name"}}}, map[string]string{"name": ">" + dir + "/evil"}, 0, m.Logger, "exec_publish")
	settle(t, m)
	if got := readFile(t, dir+"/out"); got != ">"+dir+"/evil\n" {
		t.Errorf("out = %q", got)
	}
	if _, err := os.Stat(dir + "/evil"); err == nil {
		t.Error("a stream name became a redirection")
	}
}
