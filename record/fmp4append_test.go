package record

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testenv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// byKind splits packets by kind, in decode order.
func byKind(ps []testmedia.Packet) (video, audio []testmedia.Packet) {
	for _, p := range sortedPackets(ps) {
		if p.Video {
			video = append(video, p)
		} else {
			audio = append(audio, p)
		}
	}
	return video, audio
}

// TestRecordFMP4AppendContinuesTimeline: record_append with fmp4: a
// second publish of the clip continues the first file with new
// fragments: ffprobe reads the packets of both publishes, the second's
// times are the first's shifted by one constant past the first's end
// (decode times strictly increasing), the strict box checker accepts the
// file, and its mfra indexes the key frames of both.
func TestRecordFMP4AppendContinuesTimeline(t *testing.T) {
	src := testmedia.ClipVariant(t, testmedia.AV)
	sv, sa := byKind(testmedia.Packets(t, src))
	rc := isoRecorder(t, "fmp4")
	rc.Append = true
	for range 2 {
		r := newRig(t, rc)
		r.feed(clipFrames(t, testmedia.AV)...)
		r.close(rtmp.CloseUnpublish)
		if p := r.paths(); len(p) != 1 || p[0] != filepath.Join(rc.Path, "cam.mp4") {
			t.Fatalf("paths %v\n%s", p, r.logs.String())
		}
		if ev := r.doneEvents()[0]; ev.Size != fileSize(t, ev.Path) {
			t.Fatalf("event size %d, file %d", ev.Size, fileSize(t, ev.Path))
		}
	}
	p := filepath.Join(rc.Path, "cam.mp4")
	rep, err := mp4check.FileWith(p, mp4check.Options{AllowGaps: true}) // the shorter track has a gap at the seam
	if err != nil {
		t.Fatal(err)
	}
	if rep.RandomAccess != 8 || rep.Top[len(rep.Top)-1] != "mfra" || strings.Count(strings.Join(rep.Top, " "), "mfra") != 1 {
		t.Fatalf("boxes %v, %d random access entries: want one mfra with the 4 key frames of each publish", rep.Top, rep.RandomAccess)
	}
	gv, ga := byKind(testmedia.Packets(t, p))
	for _, k := range []struct {
		name     string
		got, src []testmedia.Packet
	}{{"video", gv, sv}, {"audio", ga, sa}} {
		n := len(k.src)
		if len(k.got) != 2*n {
			t.Fatalf("%s: %d packets, want twice the source's %d", k.name, len(k.got), n)
		}
		shift := k.got[n].DTS - k.src[0].DTS
		if shift <= k.got[n-1].DTS {
			t.Fatalf("%s: the second publish starts at %d, not after the first's last packet at %d", k.name, k.got[n].DTS, k.got[n-1].DTS)
		}
		for i := range n {
			a, b := k.got[i], k.got[n+i]
			if a != k.src[i] || b.DTS-k.src[i].DTS != shift || b.PTS-k.src[i].PTS != shift || b.Key != k.src[i].Key {
				t.Fatalf("%s packet %d: first %+v second %+v, source %+v, shift %d", k.name, i, a, b, k.src[i], shift)
			}
		}
	}
}

// TestRecordFMP4AppendOtherParamsUsesNextName: record_append to an fMP4
// file whose codec parameters differ (another picture size), and to a
// file that is not a whole fMP4 of ours, leaves the file as it was and
// records into the next free "-1" name, with one warning.
func TestRecordFMP4AppendOtherParamsUsesNextName(t *testing.T) {
	small := testmedia.ClipSized(t, testmedia.AV, 2, "160x120")
	large := testmedia.ClipSized(t, testmedia.AV, 2, "320x240")
	for _, tc := range []struct {
		name string
		old  func(t *testing.T, rc string) // writes cam.mp4 under rc
		warn string
	}{
		{"other parameters", func(t *testing.T, dir string) {}, "other codec parameters"},
		{"not ours", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "cam.mp4"), []byte("\x00\x00\x00\x10ftypisom\x00\x00\x00\x00junk"), 0o644)
		}, "not a whole fMP4 recording"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := isoRecorder(t, "fmp4")
			rc.Append = true
			p := filepath.Join(rc.Path, "cam.mp4")
			tc.old(t, rc.Path)
			if _, err := os.Stat(p); err != nil {
				r := newRig(t, rc)
				r.feed(framesOf(t, small)...)
				r.close(rtmp.CloseUnpublish)
			}
			before, _ := os.ReadFile(p)
			r := newRig(t, rc)
			r.feed(framesOf(t, large)...)
			r.close(rtmp.CloseUnpublish)
			if got := r.paths(); len(got) != 1 || got[0] != filepath.Join(rc.Path, "cam-1.mp4") {
				t.Fatalf("paths %v", got)
			}
			if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
				t.Fatal("the refused file was changed")
			}
			if n := strings.Count(r.logs.String(), tc.warn); n != 1 {
				t.Fatalf("%d warnings %q in:\n%s", n, tc.warn, r.logs.String())
			}
			if _, err := mp4check.File(filepath.Join(rc.Path, "cam-1.mp4")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRecordFMP4AppendCutsATornTail: an fMP4 file cut inside its last
// fragment (a crash; its mfra gone too) is appended to after its last
// whole fragment, with one warning: the box checker accepts the result
// and it holds the whole fragments of the first publish and all of the
// second.
func TestRecordFMP4AppendCutsATornTail(t *testing.T) {
	src := testmedia.ClipVariant(t, testmedia.AV)
	n := len(testmedia.Packets(t, src))
	rc := isoRecorder(t, "fmp4")
	rc.Append = true
	p := filepath.Join(rc.Path, "cam.mp4")
	r := newRig(t, rc)
	r.feed(clipFrames(t, testmedia.AV)...)
	r.close(rtmp.CloseUnpublish)
	rep, err := mp4check.File(p)
	if err != nil {
		t.Fatal(err)
	}
	lastMoof := rep.Boxes[len(rep.Boxes)-3] // moof, mdat, mfra
	if lastMoof.Type != "moof" {
		t.Fatalf("boxes %v", rep.Top)
	}
	b, _ := os.ReadFile(p)
	wholeOnly := filepath.Join(t.TempDir(), "whole.mp4")
	if err := os.WriteFile(wholeOnly, b[:lastMoof.Off], 0o644); err != nil {
		t.Fatal(err)
	}
	whole := len(testmedia.Packets(t, wholeOnly)) // the packets of the whole fragments
	if err := os.Truncate(p, lastMoof.Off+lastMoof.Size+20); err != nil {
		t.Fatal(err)
	}
	r2 := newRig(t, rc)
	r2.feed(clipFrames(t, testmedia.AV)...)
	r2.close(rtmp.CloseUnpublish)
	if got := r2.paths(); len(got) != 1 || got[0] != p {
		t.Fatalf("paths %v", got)
	}
	if !strings.Contains(r2.logs.String(), "cutting a torn tail before appending") {
		t.Fatalf("no warning:\n%s", r2.logs.String())
	}
	if _, err := mp4check.FileWith(p, mp4check.Options{AllowGaps: true}); err != nil {
		t.Fatal(err)
	}
	if got := len(testmedia.Packets(t, p)); whole >= n || got != whole+n {
		t.Fatalf("%d packets, want the %d whole ones of the first publish and the %d of the second", got, whole, n)
	}
}

// TestRecordFMP4AppendSkipsAFileBeingWritten: record_append never
// continues an fMP4 file another process holds a lock on (a second
// daemon writing it): the next free name is used and the file is left
// as it was.
func TestRecordFMP4AppendSkipsAFileBeingWritten(t *testing.T) {
	py := testenv.Tool(t, "python3")
	rc := isoRecorder(t, "fmp4")
	rc.Append = true
	p := filepath.Join(rc.Path, "cam.mp4")
	r := newRig(t, rc)
	r.feed(clipFrames(t, testmedia.AV)...)
	r.close(rtmp.CloseUnpublish)
	holder := exec.Command(py, "-c", `import fcntl, sys
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", flush=True)
sys.stdin.read()`, p)
	in, _ := holder.StdinPipe()
	out, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { in.Close(); holder.Wait() }()
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "locked\n" {
		t.Fatalf("lock holder: %q, %v", line, err)
	}
	before, _ := os.ReadFile(p)
	r2 := newRig(t, rc)
	r2.feed(clipFrames(t, testmedia.AV)...)
	r2.close(rtmp.CloseUnpublish)
	if got := r2.paths(); len(got) != 1 || got[0] != filepath.Join(rc.Path, "cam-1.mp4") {
		t.Fatalf("paths %v\n%s", got, r2.logs.String())
	}
	if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
		t.Fatal("a file another process holds was changed")
	}
	if !strings.Contains(r2.logs.String(), "being written by another process") {
		t.Fatalf("no warning:\n%s", r2.logs.String())
	}
}
