package record

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestTwoSessionsNeverWriteOneFile: with record_path and record_append at
// rtmp level, "cam" published into two applications at once would append
// to one rec/cam.flv; the second writer takes the next free name, and
// both files are valid and hold every frame of their publisher.
func TestTwoSessionsNeverWriteOneFile(t *testing.T) {
	dir := t.TempDir()
	s := startServerConf(t, fmt.Sprintf(`rtmp {
 record all;
 record_path %s;
 record_append on;
 server {
  listen 127.0.0.1:1935;
  application one { live on; }
  application two { live on; }
 }
}
`, dir), nil)
	in := stream{dur: 3000, gop: 25, audio: true, headers: true}.frames()
	var pubs []*publisher
	for _, app := range []string{"one", "two"} {
		p, err := publishApp(t, s.addr, app, "cam")
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, p)
	}
	// Both publishers are mid-stream at once: their frames interleave.
	var wg sync.WaitGroup
	for _, p := range pubs {
		wg.Go(func() {
			for i := range in {
				if err := p.c.WriteMedia(in[i].Type, p.sid, uint64(in[i].Time), in[i].Payload); err != nil {
					t.Error(err)
					return
				}
			}
			p.c.DeleteStream(p.sid)
		})
	}
	wg.Wait()
	evs := s.wait(t, 2)
	if evs[0].Path == evs[1].Path {
		t.Fatalf("both sessions wrote %s", evs[0].Path)
	}
	got := []string{filepath.Base(evs[0].Path), filepath.Base(evs[1].Path)}
	if !(got[0] == "cam.flv" && got[1] == "cam-1.flv" || got[0] == "cam-1.flv" && got[1] == "cam.flv") {
		t.Fatalf("files %v, want cam.flv and cam-1.flv", got)
	}
	for _, ev := range evs {
		checkEvents(t, []Event{ev}, ReasonUnpublish, in, avcSeqPayload(0), aacSeqPayload)
	}
	if !strings.Contains(s.logs.String(), "already being recorded") {
		t.Fatalf("the clash is not logged:\n%s", s.logs)
	}
}

// TestRecordNameNeverLockedOut: when every "-N" candidate of a name is
// taken (10,000 earlier files), the recorder falls back to a stamped name
// instead of refusing the name forever, and every later session of that
// name records too.
func TestRecordNameNeverLockedOut(t *testing.T) {
	rc := newRecorder(t, "", all)
	writeFile(t, filepath.Join(rc.Path, "cam.flv"), nil)
	for i := 1; i < maxCandidates; i++ {
		writeFile(t, filepath.Join(rc.Path, fmt.Sprintf("cam-%d.flv", i)), nil)
	}
	stamped := regexp.MustCompile(`^cam-[0-9]+-[0-9a-f]{8}\.flv$`)
	seen := map[string]bool{}
	for session := range 2 {
		r := newRig(t, rc)
		in := []media.Frame{vSeq(0), vKey(0, 0), vInter(40, 1)}
		r.feed(in...)
		r.close(rtmp.CloseUnpublish)
		p := r.paths()
		if len(p) != 1 || !stamped.MatchString(filepath.Base(p[0])) || seen[p[0]] {
			t.Fatalf("session %d recorded %v, want a new stamped name; log:\n%s", session, p, r.logs)
		}
		seen[p[0]] = true
		if got, want := tagsString(readFLV(t, p[0]).Tags), "V0h V0k V40"; got != want {
			t.Fatalf("tags %s, want %s", got, want)
		}
		if !strings.Contains(r.logs.String(), `every \"-N\" name is taken`) {
			t.Fatalf("fallback not logged:\n%s", r.logs)
		}
	}
	// The hint carries a recorder that splits past the 10,000 on.
	rs := *rc
	rs.MaxFrames = 2
	r := newRig(t, &rs)
	r.feed(vSeq(0), vKey(0, 0), vInter(40, 1), vKey(80, 2), vInter(120, 3))
	r.close(rtmp.CloseUnpublish)
	if p := r.paths(); len(p) != 2 || !stamped.MatchString(filepath.Base(p[0])) ||
		filepath.Base(p[1]) != fmt.Sprintf("cam-%d.flv", maxCandidates) {
		t.Fatalf("split pieces %v", p)
	}
}

// TestRecordAppendSameFileTwoSpellings: the registry knows files by
// device and inode, so it also keeps apart two recorders of one stream
// whose record_path spellings differ but reach one directory.
func TestRecordAppendSameFileTwoSpellings(t *testing.T) {
	a := newRecorder(t, "a", all)
	a.Append = true
	b := *a
	b.Name, b.Path = "b", a.Path+"/./"
	r := newRig(t, a, &b)
	r.feed(vSeq(0), vKey(0, 0), vInter(40, 1))
	r.close(rtmp.CloseUnpublish)
	p := r.paths()
	if len(p) != 2 || filepath.Base(p[0]) == filepath.Base(p[1]) {
		t.Fatalf("paths %v, want two files", p)
	}
	for _, path := range p {
		if got, want := tagsString(readFLV(t, path).Tags), "V0h V0k V40"; got != want {
			t.Fatalf("%s: tags %s, want %s", path, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(a.Path, "cam-1.flv")); err != nil {
		t.Fatal(err)
	}
}

// TestStampedNameFitsLongNames: the stamped fallback name of a stream
// name as long as a file name may be still fits in one path component.
func TestStampedNameFitsLongNames(t *testing.T) {
	rc := newRecorder(t, "", all)
	rc.Unique = true
	nm, err := newNamer(rc, strings.Repeat("é", 200), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rel, err := nm.stamped(time.Now(), 0xdeadbeef)
	if err != nil {
		t.Fatal(err)
	}
	if base := filepath.Base(rel); len(base) > maxNameLen || !strings.HasSuffix(base, "-deadbeef.flv") ||
		!regexp.MustCompile(`^(%[0-9A-F]{2})+`).MatchString(base) {
		t.Fatalf("stamped name %q (%d bytes)", base, len(base))
	}
	f, err := os.Create(filepath.Join(rc.Path, rel))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}
