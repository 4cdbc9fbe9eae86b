package record

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/record/format"

	"github.com/lestrrat-go/strftime"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

func TestEscapeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cam1", "cam1"},
		{"A-Z.a_z~09", "A-Z.a_z~09"},
		{"a b", "a%20b"},
		{"a/b", "a%2Fb"},
		{"x:y%z", "x%3Ay%25z"},
		{"é", "%C3%A9"},
		{"..", "%2E."},
		{".hidden", "%2Ehidden"},
		{"a.b.", "a.b."},
		{"", ""},
		{"\x00\xff", "%00%FF"},
	}
	for _, tt := range tests {
		if got := EscapeName(tt.in); got != tt.want {
			t.Errorf("EscapeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRecordPath: record_path + "/" + cut and escaped name + suffix, as
// nginx-rtmp builds it, for ordinary and hostile names; nothing lands
// outside record_path.
func TestRecordPath(t *testing.T) {
	tests := []struct{ name, want string }{
		{"cam1", "cam1.flv"},
		{"a/../../etc/passwd", "a.flv"},              // cut at the first "/../"
		{"../../etc/passwd", "%2E..flv"},             // "/../" after the leading ".."
		{"../etc/passwd", "%2E.%2Fetc%2Fpasswd.flv"}, // a leading "../" is escaped
		{"/abs/path", "%2Fabs%2Fpath.flv"},
		{"..", "%2E..flv"}, // never a hidden file
		{".", "%2E.flv"},
		{".hidden", "%2Ehidden.flv"},
		{"", "_.flv"},
		{"a\\..\\b", "a%5C..%5Cb.flv"},
		{"live cam:1", "live%20cam%3A1.flv"},
	}
	for _, tt := range tests {
		rc := newRecorder(t, "", all)
		o, err := openFile(rc, tt.name, time.Now(), &nameHint{}, discard())
		if err != nil {
			t.Fatalf("%q: %v", tt.name, err)
		}
		o.w.Close()
		if want := filepath.Join(rc.Path, tt.want); o.path != want {
			t.Errorf("name %q: path %q, want %q", tt.name, o.path, want)
		}
		if got := files(t, rc.Path); len(got) != 1 || got[0] != tt.want {
			t.Errorf("name %q: files %v", tt.name, got)
		}
	}
}

// TestRecordPathDotComponents: with an empty suffix, names that would be
// "." or ".." (the directory itself or its parent) get a safe name.
func TestRecordPathDotComponents(t *testing.T) {
	for _, name := range []string{"", ".", ".."} {
		rc := newRecorder(t, "", all)
		rc.Suffix = ""
		o, err := openFile(rc, name, time.Now(), &nameHint{}, discard())
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		o.w.Close()
		if filepath.Dir(o.path) != rc.Path {
			t.Fatalf("name %q opened %q outside %q", name, o.path, rc.Path)
		}
	}
}

// TestRecordLongNameHashed: an escaped name longer than a file name may be
// is shortened with a hash of the full name; two such names stay distinct.
func TestRecordLongNameHashed(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.Unique = true
	long := strings.Repeat("é", 100) // 600 bytes escaped
	var paths []string
	for _, name := range []string{long + "a", long + "b"} {
		o, err := openFile(rc, name, time.Now(), &nameHint{}, discard())
		if err != nil {
			t.Fatal(err)
		}
		o.w.Close()
		base := filepath.Base(o.path)
		if len(base) > maxNameLen-counterRoom || !strings.HasPrefix(base, "%C3%A9") || !strings.HasSuffix(base, ".flv") {
			t.Fatalf("file name %q (%d bytes)", base, len(base))
		}
		paths = append(paths, o.path)
	}
	if paths[0] == paths[1] {
		t.Fatal("two long names share a file")
	}
	if !regexp.MustCompile(`^(%[0-9A-F]{2})+-[0-9a-f]{8}-[0-9]+\.flv$`).MatchString(filepath.Base(paths[0])) {
		t.Fatalf("cut inside an escape or no hash: %s", paths[0])
	}
}

// TestRecordUnique: record_unique inserts "-<unix seconds of open>"; a
// same-second collision takes the next free "-N" instead of truncating.
func TestRecordUnique(t *testing.T) {
	for _, format := range recordFormats {
		t.Run(format, func(t *testing.T) { testRecordUnique(t, format) })
	}
}

func testRecordUnique(t *testing.T, format string) {
	rc := formatRecorder(t, format, all)
	rc.Unique = true
	r := newRig(t, rc)
	r.feed(vSeq(0), vKey(0, 0))
	if _, err := r.m.Stop("live", "cam", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Start("live", "cam", ""); err != nil {
		t.Fatal(err)
	}
	r.feed(vKey(40, 1))
	r.close(rtmp.CloseUnpublish)
	stamp := "cam-" + strconv.FormatInt(r.clk.Now().Unix(), 10)
	want := []string{rc.Path + "/" + stamp + rc.Suffix, rc.Path + "/" + stamp + "-1" + rc.Suffix}
	if got := r.paths(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("paths %v, want %v", got, want)
	}
}

// TestRecordSuffix: record_suffix verbatim, or strftime in local time when
// it holds '%'; a "/" in it makes directories, created 0755.
func TestRecordSuffix(t *testing.T) {
	suffixZone = time.FixedZone("X", 3*3600)
	t.Cleanup(func() { suffixZone = nil })
	now := time.Date(2013, 4, 24, 15, 23, 38, 0, time.UTC)
	tests := []struct{ suffix, want string }{
		{".flv", "cam.flv"},
		{"-%d-%b-%y-%T.flv", "cam-24-Apr-13-18:23:38.flv"},
		{"/%Y/%m/%d.flv", "cam/2013/04/24.flv"},
		{"-100%%.flv", "cam-100%.flv"},
	}
	for _, tt := range tests {
		rc := newRecorder(t, "", all)
		rc.Suffix = tt.suffix
		if strings.Contains(tt.suffix, "%") {
			f, err := strftime.New(tt.suffix)
			if err != nil {
				t.Fatal(err)
			}
			rc.SuffixFormat = f
		}
		o, err := openFile(rc, "cam", now, &nameHint{}, discard())
		if err != nil {
			t.Fatalf("%q: %v", tt.suffix, err)
		}
		o.w.Close()
		if want := filepath.Join(rc.Path, tt.want); o.path != want {
			t.Errorf("suffix %q: %q, want %q", tt.suffix, o.path, want)
		}
		st, err := os.Stat(filepath.Dir(o.path))
		if err != nil || st.Mode().Perm() != 0o755&^umask() {
			t.Errorf("suffix %q: directory %v %v", tt.suffix, st.Mode(), err)
		}
	}
}

// TestOpenFailureLoggedAndRetried: an open failure is logged with path
// and errno, reported as NetStream.Record.Failed with level "warning"
// (never "error", which makes ffmpeg abort), and retried at a break frame
// after retryDelay.
func TestOpenFailureLoggedAndRetried(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.Notify = true
	blocker := filepath.Join(rc.Path, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := rc.Path
	rc.Path = filepath.Join(blocker, "sub") // ENOTDIR
	r := newRig(t, rc)
	r.feed(vSeq(0), aSeq(0), vKey(0, 0), aRaw(10, 0), vKey(40, 1))
	logs := r.logs.String()
	if n := strings.Count(logs, "record: open failed"); n != 1 {
		t.Fatalf("%d open failures logged, want 1 (retries wait %v):\n%s", n, retryDelay, logs)
	}
	if !strings.Contains(logs, "path="+rc.Path+"/cam.flv") || !strings.Contains(logs, "errno=20") {
		t.Fatalf("log lacks path or errno:\n%s", logs)
	}
	st := r.src.statuses()
	if len(st) != 1 || st[0] != (status{"warning", "NetStream.Record.Failed", ""}) {
		t.Fatalf("statuses %v", st)
	}
	// Fixed path; the retry comes at the first key frame after retryDelay.
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	r.feed(vInter(80, 2))
	r.clk.Advance(retryDelay)
	r.feed(vInter(120, 3), aRaw(130, 1), vKey(160, 4))
	r.close(rtmp.CloseUnpublish)
	p := r.paths()
	if len(p) != 1 || !strings.HasPrefix(p[0], dir) {
		t.Fatalf("paths %v", p)
	}
	if got, want := tagsString(readFLV(t, p[0]).Tags), "A0h V0h V0k"; got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
}

// discard is an openSpec for openFile with default writer settings.
func discard() *openSpec {
	return &openSpec{format: formats["flv"], opts: format.Options{Buffer: defaultBuffer, FlushPeriod: defaultFlush}, log: slogDiscard}
}

func umask() os.FileMode {
	d, _ := os.MkdirTemp("", "umask")
	defer os.RemoveAll(d)
	p := filepath.Join(d, "x")
	os.Mkdir(p, 0o777)
	st, _ := os.Stat(p)
	return 0o777 &^ st.Mode().Perm()
}

// TestRecordManualAloneMakesNoFile: "record manual;" without a media mode
// records nothing, so start and stop refuse (as for record off) instead
// of making files with no media; the config load warns about it
// (conf.TestWarnings).
func TestRecordManualAloneMakesNoFile(t *testing.T) {
	rc := newRecorder(t, "", conf.RecordManual)
	r := newRig(t, rc)
	r.feed(vSeq(0), aSeq(0), vKey(0, 0), aRaw(5, 0))
	if p, err := r.m.Start("live", "cam", ""); !errors.Is(err, ErrNoRecorder) || p != "" {
		t.Fatalf("Start = %q, %v; want ErrNoRecorder", p, err)
	}
	r.feed(vKey(40, 1), aRaw(45, 1))
	if _, err := r.m.Stop("live", "cam", ""); !errors.Is(err, ErrNoRecorder) {
		t.Fatalf("Stop: %v; want ErrNoRecorder", err)
	}
	r.close(rtmp.CloseUnpublish)
	if got := files(t, rc.Path); len(got) != 0 {
		t.Fatalf("files %v", got)
	}
	if evs := r.doneEvents(); len(evs) != 0 {
		t.Fatalf("events %+v", evs)
	}
}

// TestStreamNamesNeverMakeHiddenFiles: publishers naming their stream
// ".", ".." or ".x" get visible files with the leading dot escaped, not
// "..flv", "...flv" or ".x.flv".
func TestStreamNamesNeverMakeHiddenFiles(t *testing.T) {
	s := startServer(t, "record all; record_path DIR;")
	names := map[string]string{".": "%2E.flv", "..": "%2E..flv", ".x": "%2Ex.flv"}
	for name := range names {
		p, err := publish(t, s.addr, name)
		if err != nil {
			t.Fatalf("publish %q: %v", name, err)
		}
		p.send(t, vSeq(0), vKey(0, 0), vInter(40, 1))
		p.c.DeleteStream(p.sid)
	}
	for _, ev := range s.wait(t, len(names)) {
		if want := filepath.Join(s.dir, names[ev.Name]); ev.Path != want {
			t.Errorf("stream %q recorded to %s, want %s", ev.Name, ev.Path, want)
		}
	}
	for _, f := range files(t, s.dir) {
		if strings.HasPrefix(filepath.Base(f), ".") {
			t.Errorf("hidden file %s", f)
		}
	}
}
