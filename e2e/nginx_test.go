// Package e2e holds end-to-end tests that run rtmprecd against real
// clients and, where installed, against Debian's nginx-rtmp.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/nginxrtmp"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestSideBySideWithNginxRTMP pushes the same clip with ffmpeg to nginx-rtmp
// and to rtmprecd, both with `record all`, and compares the two recordings
// with the strict reader: the media tags (audio and video, without sequence
// headers and script tags) must be equal byte for byte, in the same order,
// at the same timestamps relative to each file's first media tag. Where the
// sequence headers sit may differ (nginx writes the AAC one twice, which
// is harmless); that is logged, not failed.
//
// Run it locally with: go test ./e2e -run SideBySide -v
// (needs ffmpeg and `apt-get install -y nginx libnginx-mod-rtmp`).
func TestSideBySideWithNginxRTMP(t *testing.T) {
	clip := testmedia.Clip(t)
	nginxrtmp.Require(t)
	ng := nginxrtmp.StartTest(t, nginxrtmp.Options{AppConfig: "record all;"})
	ourDir := t.TempDir()
	addr, stop := startRTMPRecd(t, fmt.Sprintf(`rtmp {
    server {
        listen 127.0.0.1:0;
        application live {
            live on;
            record all;
            record_path %s;
        }
    }
}
`, ourDir))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, url := range []string{ng.URL("cam1"), "rtmp://" + addr + "/live/cam1"} {
		if err := testmedia.Publish(ctx, t, clip, url, false); err != nil {
			t.Fatal(err)
		}
	}
	// Both stops wait for the sessions to end, so the files are closed.
	if err := ng.Stop(); err != nil {
		t.Fatal(err)
	}
	stop()

	theirs := readSideRecording(t, "nginx-rtmp", ng.RecordDir())
	ours := readSideRecording(t, "rtmprecd", ourDir)
	video, audio := testmedia.ProbePackets(t, clip)
	for _, r := range []*sideRecording{theirs, ours} {
		r.checkComplete(t, video, audio)
	}
	compareSideMedia(t, theirs, ours)
	compareSideSeqHeaders(t, theirs, ours)
}

// sideRecording is one server's file split into media tags and sequence headers.
type sideRecording struct {
	server  string
	path    string
	file    *flv.File
	media   []flv.Tag
	seq     []sideSeqHeader
	scripts int
}

// sideSeqHeader is a sequence header tag and where it sits: after how many
// media tags of the file.
type sideSeqHeader struct {
	tag   flv.Tag
	index int // tag index in the file
	after int // media tags before it
}

func (h sideSeqHeader) String() string {
	kind := "AVC"
	if h.tag.Type == flv.TagAudio {
		kind = "AAC"
	}
	return fmt.Sprintf("%s@tag%d(after %d media, ts %d)", kind, h.index, h.after, h.tag.Timestamp)
}

// readSideRecording reads the only file in dir, which must be cam1.flv, with
// the strict reader.
func readSideRecording(t *testing.T, server, dir string) *sideRecording {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "cam1.flv" {
		t.Fatalf("%s recorded %v into %s, want just cam1.flv", server, entries, dir)
	}
	path := filepath.Join(dir, "cam1.flv")
	f, err := flv.ReadFile(path)
	if err != nil {
		t.Fatalf("%s's recording does not read clean: %v", server, err)
	}
	r := &sideRecording{server: server, path: path, file: f}
	for i, tag := range f.Tags {
		switch {
		case tag.Type == flv.TagScript:
			r.scripts++
		case tag.IsSeqHeader():
			r.seq = append(r.seq, sideSeqHeader{tag: tag, index: i, after: len(r.media)})
		default:
			r.media = append(r.media, tag)
		}
	}
	t.Logf("%s: %s: %d tags: %d media, %d sequence headers, %d script, flags %#02x",
		server, path, len(f.Tags), len(r.media), len(r.seq), r.scripts, f.Header.Flags)
	return r
}

// checkComplete checks that every packet of the clip was recorded (video
// has ffmpeg's end-of-sequence tag on top) and that each frame comes after
// a sequence header of its type.
func (r *sideRecording) checkComplete(t *testing.T, video, audio int) {
	t.Helper()
	var v, a int
	for _, tag := range r.media {
		if tag.Type == flv.TagVideo {
			v++
		} else {
			a++
		}
	}
	if v != video+1 || a != audio {
		t.Errorf("%s: %d video and %d audio media tags, want %d (the clip's %d packets + end of sequence) and %d",
			r.server, v, a, video+1, video, audio)
	}
	for _, typ := range []uint8{flv.TagAudio, flv.TagVideo} {
		first, header := -1, -1
		for i, tag := range r.media {
			if tag.Type == typ {
				first = i
				break
			}
		}
		for _, h := range r.seq {
			if h.tag.Type == typ && (header < 0 || h.after < header) {
				header = h.after
			}
		}
		if first >= 0 && (header < 0 || header > first) {
			t.Errorf("%s: first type-%d media tag (#%d) has no sequence header before it (%v)", r.server, typ, first, r.seq)
		}
	}
}

// compareSideMedia fails on any media tag that differs in type, payload or
// relative timestamp, listing the first few differences.
func compareSideMedia(t *testing.T, theirs, ours *sideRecording) {
	t.Helper()
	if len(theirs.media) == 0 || len(ours.media) == 0 {
		t.Fatalf("no media tags to compare: %s %d, %s %d", theirs.server, len(theirs.media), ours.server, len(ours.media))
	}
	if b0, b1 := theirs.media[0].Timestamp, ours.media[0].Timestamp; b0 != b1 {
		t.Logf("first media tag at %d ms in %s, %d ms in %s (compared relative to it)", b0, theirs.server, b1, ours.server)
	}
	if diffs := mediaDiffs(theirs, ours); len(diffs) > 0 {
		shown := diffs[:min(len(diffs), 10)]
		t.Errorf("%d media differences between %s and %s, first ones:\n%s", len(diffs), theirs.path, ours.path, strings.Join(shown, "\n"))
	}
}

// mediaDiffs lists the media tags that differ in type, payload or
// timestamp relative to each file's first media tag, and a count mismatch.
func mediaDiffs(theirs, ours *sideRecording) []string {
	var diffs []string
	var base0, base1 int64
	if len(theirs.media) > 0 && len(ours.media) > 0 {
		base0, base1 = int64(theirs.media[0].Timestamp), int64(ours.media[0].Timestamp)
	}
	for i := 0; i < min(len(theirs.media), len(ours.media)); i++ {
		a, b := theirs.media[i], ours.media[i]
		relA, relB := int64(a.Timestamp)-base0, int64(b.Timestamp)-base1
		if a.Type != b.Type || relA != relB || !bytes.Equal(a.Data, b.Data) {
			diffs = append(diffs, fmt.Sprintf("media #%d: %s type %d +%d ms %d bytes (offset %d); %s type %d +%d ms %d bytes (offset %d)",
				i, theirs.server, a.Type, relA, len(a.Data), a.Offset, ours.server, b.Type, relB, len(b.Data), b.Offset))
		}
	}
	if len(theirs.media) != len(ours.media) {
		diffs = append(diffs, fmt.Sprintf("media tag count: %s %d, %s %d", theirs.server, len(theirs.media), ours.server, len(ours.media)))
	}
	return diffs
}

// compareSideSeqHeaders requires the same header payloads in both files and
// logs where each file put them.
func compareSideSeqHeaders(t *testing.T, theirs, ours *sideRecording) {
	t.Helper()
	distinct := func(r *sideRecording) map[uint8][]string {
		m := map[uint8][]string{}
		for _, h := range r.seq {
			p := string(h.tag.Data)
			if !slices.Contains(m[h.tag.Type], p) {
				m[h.tag.Type] = append(m[h.tag.Type], p)
			}
		}
		return m
	}
	d0, d1 := distinct(theirs), distinct(ours)
	for _, typ := range []uint8{flv.TagAudio, flv.TagVideo} {
		if fmt.Sprint(d0[typ]) != fmt.Sprint(d1[typ]) {
			t.Errorf("type-%d sequence header payloads differ: %s %q, %s %q", typ, theirs.server, d0[typ], ours.server, d1[typ])
		}
	}
	p0, p1 := fmt.Sprint(theirs.seq), fmt.Sprint(ours.seq)
	if p0 == p1 {
		t.Logf("sequence headers placed alike: %s", p0)
		return
	}
	t.Logf("sequence-header placement differs (allowed: nginx writes the AAC header twice):\n  %s: %s\n  %s: %s",
		theirs.server, p0, ours.server, p1)
}

// startRTMPRecd runs rtmprecd's RTMP server with the record module
// in-process, loading config (whose listen address is ignored: it serves
// its first server block on a 127.0.0.1:0 listener). stop waits for the
// sessions to end, like nginx's graceful stop, then shuts the server down;
// it runs at cleanup too and may be called more than once. The server's log
// is shown when the test fails.
func startRTMPRecd(t *testing.T, config string) (addr string, stop func()) {
	t.Helper()
	logs := &testserver.LogBuffer{}
	log := logs.Logger(slog.LevelDebug)
	s := testserver.Start(t, testserver.Options{
		Config:  config,
		Modules: []rtmp.Module{&record.Module{Logger: log}},
		Logs:    logs,
		Logger:  log,
		Drain:   10 * time.Second,
	})
	return s.Addr(), s.Stop
}

// TestMediaDiffs checks the side-by-side comparison itself: equal streams
// at different offsets match; a changed byte, a shifted timestamp, a
// swapped order or a missing tag are each reported.
func TestMediaDiffs(t *testing.T) {
	tag := func(typ uint8, ts uint32, data string) flv.Tag {
		return flv.Tag{Type: typ, Timestamp: ts, Data: []byte(data)}
	}
	base := []flv.Tag{tag(flv.TagAudio, 0, "a0"), tag(flv.TagVideo, 23, "v0"), tag(flv.TagAudio, 46, "a1")}
	shift := func(tags []flv.Tag, by uint32) []flv.Tag {
		out := slices.Clone(tags)
		for i := range out {
			out[i].Timestamp += by
		}
		return out
	}
	tests := []struct {
		name  string
		ours  []flv.Tag
		diffs int
	}{
		{"identical", base, 0},
		{"same at another offset", shift(base, 1000), 0},
		{"payload byte", []flv.Tag{base[0], tag(flv.TagVideo, 23, "vX"), base[2]}, 1},
		{"timestamp", []flv.Tag{base[0], tag(flv.TagVideo, 24, "v0"), base[2]}, 1},
		{"order", []flv.Tag{base[1], base[0], base[2]}, 3}, // the first tag is also the base
		{"missing last", base[:2], 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			theirs := &sideRecording{server: "nginx-rtmp", media: base}
			ours := &sideRecording{server: "rtmprecd", media: tc.ours}
			if got := mediaDiffs(theirs, ours); len(got) != tc.diffs {
				t.Errorf("mediaDiffs = %q, want %d differences", got, tc.diffs)
			}
		})
	}
}
