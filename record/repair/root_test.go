package repair

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// TestRootRepairsOnlyUnfinishedRecordings: below a recording root, the
// unfinished mp4 and fmp4 recordings are finished, one log line each
// with the seconds recovered; finished files are not rewritten (their
// bytes stay the same), and files that are not the recorder's names (a
// hidden copy, another suffix) are not touched.
func TestRootRepairsOnlyUnfinishedRecordings(t *testing.T) {
	clip := testmedia.ClipVariant(t, testmedia.AV)
	src, root := t.TempDir(), t.TempDir()
	var finished []string
	for _, name := range []string{"mp4", "fmp4"} {
		live := filepath.Join(src, name+".mp4")
		m := writeRecording(t, name, clip, live, format.Options{})
		crashCopy(t, live, root, "crashed-"+name+".mp4")
		crashCopy(t, live, root, ".hidden-"+name+".mp4")
		crashCopy(t, live, root, "other-"+name+".mp4.part")
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		finished = append(finished, crashCopy(t, live, root, "done-"+name+".mp4"))
	}
	big := filepath.Join(src, "big.mp4") // a finished mp4 whose moov went after the media
	m := writeRecording(t, "mp4", testmedia.ClipLength(t, testmedia.AV, 12), big, format.Options{SpanDuration: time.Second})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	finished = append(finished, crashCopy(t, big, root, "done-big.mp4"))
	before := map[string][]byte{}
	for _, p := range finished {
		before[p], _ = os.ReadFile(p)
	}
	var logs bytes.Buffer
	n, err := Root(recfile.Root{Dir: root, Suffix: ".mp4"}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil || n != 2 || strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("%d repaired, %v\n%s", n, err, logs.String())
	}
	for _, name := range []string{"mp4", "fmp4"} {
		line := "path=" + filepath.Join(root, "crashed-"+name+".mp4") + " format=" + name + " seconds="
		if strings.Count(logs.String(), line) != 1 {
			t.Fatalf("no line %q in:\n%s", line, logs.String())
		}
		checkPlays(t, filepath.Join(root, "crashed-"+name+".mp4"))
		for _, left := range []string{".hidden-" + name + ".mp4", "other-" + name + ".mp4.part"} {
			if !Unfinished(filepath.Join(root, left)) {
				t.Fatalf("%s was touched", left)
			}
		}
	}
	for p, b := range before {
		if after, _ := os.ReadFile(p); !bytes.Equal(b, after) {
			t.Fatalf("finished %s was rewritten", p)
		}
		if Unfinished(p) {
			t.Fatalf("finished %s reads as unfinished", p)
		}
	}
	if _, err := os.Stat(mp4.JournalPath(filepath.Join(root, ".hidden-mp4.mp4"))); err != nil {
		t.Fatalf("the hidden copy's journal: %v", err)
	}
}
