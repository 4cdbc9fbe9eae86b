package repair

import (
	"bufio"
	"bytes"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testenv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// holdLock starts a python3 process that takes a POSIX write lock on path
// with fcntl.lockf, as a second daemon or another tool would, and keeps
// it until the returned function ends the process.
func holdLock(t *testing.T, path string) func() {
	t.Helper()
	py := testenv.Tool(t, "python3")
	cmd := exec.Command(py, "-c", `import fcntl, sys
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", flush=True)
sys.stdin.read()`, path)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("python3 lock holder: %q, %v", line, err)
	}
	done := false
	stop := func() {
		if !done {
			done = true
			in.Close()
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestRepairSkipsFilesHeldByAnotherProcess: an unfinished fMP4 whose file
// another process has locked, and an unfinished MP4 whose journal another
// process has locked, are left untouched by repair (File reports
// ErrBusy, Root logs and skips them); once the locks go, both are
// repaired.
func TestRepairSkipsFilesHeldByAnotherProcess(t *testing.T) {
	clip := testmedia.ClipVariant(t, testmedia.AV)
	src := t.TempDir()
	root := t.TempDir()
	var stops []func()
	for _, name := range []string{"fmp4", "mp4"} {
		live := filepath.Join(src, name+".mp4")
		m := writeRecording(t, name, clip, live, format.Options{})
		p := crashCopy(t, live, root, name+".mp4")
		m.Close()
		held := p
		if name == "mp4" {
			held = mp4.JournalPath(p)
		}
		stops = append(stops, holdLock(t, held))
		if busy, err := recfile.Busy(p); err != nil || !busy {
			t.Fatalf("%s: busy %v, %v", name, busy, err)
		}
		before, _ := os.ReadFile(p)
		if _, err := File(p); !errors.Is(err, ErrBusy) {
			t.Fatalf("%s: repair of a held file: %v", name, err)
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
			t.Fatalf("%s: a held file was changed", name)
		}
	}
	var logs strings.Builder
	n, err := Root(recfile.Root{Dir: root, Suffix: ".mp4"}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil || n != 0 || strings.Count(logs.String(), "another process is writing it") != 2 {
		t.Fatalf("root with held files: %d repaired, %v, logs:\n%s", n, err, logs.String())
	}
	for _, stop := range stops {
		stop()
	}
	logs.Reset()
	n, err = Root(recfile.Root{Dir: root, Suffix: ".mp4"}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil || n != 2 || strings.Count(logs.String(), "seconds=") != 2 {
		t.Fatalf("root once released: %d repaired, %v, logs:\n%s", n, err, logs.String())
	}
	for _, name := range []string{"fmp4", "mp4"} {
		checkPlays(t, filepath.Join(root, name+".mp4"))
	}
}
