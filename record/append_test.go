package record

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testenv"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestRecordAppend: record_append continues an existing file after its
// last tag, timestamps continuing from the last one, and the
// header flags keep the tracks of both sessions.
func TestRecordAppend(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.Append = true
	r1 := newRig(t, rc)
	r1.feed(vSeq(0), aSeq(0), vKey(0, 0), aRaw(10, 0), vInter(40, 1))
	r1.close(rtmp.CloseUnpublish)

	rv := *rc
	rv.Flags = conf.RecordAudio
	r2 := newRig(t, &rv)
	r2.feed(aSeq(500), aRaw(500, 1), aRaw(523, 2))
	r2.close(rtmp.CloseUnpublish)

	p := filepath.Join(rc.Path, "cam.flv")
	if got := r2.paths(); len(got) != 1 || got[0] != p {
		t.Fatalf("second session wrote %v, want %s", got, p)
	}
	f := readFLV(t, p)
	if got, want := tagsString(f.Tags), "V0h A0h V0k A10 V40 A40h A40 A63"; got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
	if f.Header.Flags != flv.FlagAudio|flv.FlagVideo {
		t.Errorf("header flags %#x, want both tracks", f.Header.Flags)
	}
	if ev := r2.doneEvents()[0]; ev.Size != fileSize(t, p) {
		t.Errorf("event size %d, file %d", ev.Size, fileSize(t, p))
	}
}

// TestRecordAppendRefusesBadTail: a file that is not FLV is left
// untouched and the next free name is used.
func TestRecordAppendRefusesBadTail(t *testing.T) {
	valid := recordBytes(t, vSeq(0), vKey(0, 0))
	tests := []struct {
		name string
		old  []byte
	}{
		{"mp4", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")},
		{"not flv", []byte("hello, this is not an flv file")},
		{"short", []byte("FLV")},
		{"bad version", append([]byte("FLV\x02"), valid[4:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newRecorder(t, "", all)
			rc.Append = true
			p := filepath.Join(rc.Path, "cam.flv")
			if err := os.WriteFile(p, tt.old, 0o644); err != nil {
				t.Fatal(err)
			}
			r := newRig(t, rc)
			r.feed(vSeq(0), vKey(0, 0))
			r.close(rtmp.CloseUnpublish)
			if got := r.paths(); len(got) != 1 || got[0] != filepath.Join(rc.Path, "cam-1.flv") {
				t.Fatalf("paths %v", got)
			}
			if b, _ := os.ReadFile(p); !bytes.Equal(b, tt.old) {
				t.Fatal("refused file was modified")
			}
			if !strings.Contains(r.logs.String(), "not appending") {
				t.Fatalf("refusal not logged:\n%s", r.logs)
			}
		})
	}
}

// TestRecordAppendEmptyFile: an empty or header-only file is appended to.
func TestRecordAppendEmptyFile(t *testing.T) {
	for _, old := range [][]byte{nil, {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}} {
		rc := newRecorder(t, "", all)
		rc.Append = true
		p := filepath.Join(rc.Path, "cam.flv")
		if err := os.WriteFile(p, old, 0o644); err != nil {
			t.Fatal(err)
		}
		r := newRig(t, rc)
		r.feed(vSeq(0), vKey(0, 0))
		r.close(rtmp.CloseUnpublish)
		if got, want := tagsString(readFLV(t, p).Tags), "V0h V0k"; got != want {
			t.Fatalf("old %q: tags %s, want %s", old, got, want)
		}
	}
}

// recordBytes records frames into a fresh file and returns its bytes.
func recordBytes(t *testing.T, frames ...media.Frame) []byte {
	t.Helper()
	r := newRig(t, newRecorder(t, "", all))
	r.feed(frames...)
	r.close(rtmp.CloseUnpublish)
	b, err := os.ReadFile(r.paths()[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

const lockfProbe = `import fcntl,sys; fcntl.lockf(open(sys.argv[1],"a"), fcntl.LOCK_EX|fcntl.LOCK_NB)`

func requirePython(t *testing.T) { t.Helper(); testenv.Tool(t, "python3") }

// TestRecordLock: record_lock holds a write lock while the file is open,
// visible to a lockf probe from another process, taken without blocking
// the stream; released at close.
func TestRecordLock(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) { testRecordLock(t, format) })
	}
}

func testRecordLock(t *testing.T, format string) {
	requirePython(t)
	rc := formatRecorder(t, format, all)
	rc.Lock = true
	r := newRig(t, rc)
	r.feed(vSeq(0), vKey(0, 0))
	p := filepath.Join(rc.Path, "cam"+rc.Suffix)
	if out, err := exec.Command("python3", "-c", lockfProbe, p).CombinedOutput(); err == nil {
		t.Fatal("lockf probe got the lock of an open recording")
	} else if !strings.Contains(string(out), "BlockingIOError") && !strings.Contains(string(out), "PermissionError") {
		t.Fatalf("probe failed for another reason: %v: %s", err, out)
	}
	r.close(rtmp.CloseUnpublish)
	if out, err := exec.Command("python3", "-c", lockfProbe, p).CombinedOutput(); err != nil {
		t.Fatalf("lock still held after close: %v: %s", err, out)
	}
}

// TestRecordLockBusyUsesNextName: with record_append, a file another
// process holds locked is not appended to; the next name is used and
// nothing blocks.
func TestRecordLockBusyUsesNextName(t *testing.T) {
	requirePython(t)
	rc := newRecorder(t, "", all)
	rc.Lock, rc.Append = true, true
	p := filepath.Join(rc.Path, "cam.flv")
	holder := exec.Command("python3", "-c", `import fcntl,sys
f = open(sys.argv[1], "a")
fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB)
print("locked", flush=True)
sys.stdin.read()`, p)
	in, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { in.Close(); holder.Wait() }()
	line := make([]byte, 7)
	if _, err := io.ReadFull(out, line); err != nil || string(line) != "locked\n" {
		t.Fatalf("holder: %q %v", line, err)
	}
	r := newRig(t, rc)
	r.feed(vSeq(0), vKey(0, 0))
	r.close(rtmp.CloseUnpublish)
	if got := r.paths(); len(got) != 1 || got[0] != filepath.Join(rc.Path, "cam-1.flv") {
		t.Fatalf("paths %v", got)
	}
}
