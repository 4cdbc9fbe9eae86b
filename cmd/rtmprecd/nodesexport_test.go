package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/pgtest"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// TestExportAcrossTwoNodes: a stream published by ffmpeg (as fast as it
// reads, a 3 s clip) to node a, then to node b (one PostgreSQL index),
// recorded as fMP4 files and as HLS fMP4 directories, is one export on
// either node: the MP4 holds every video and audio frame ffprobe reads
// in both recordings (audio from the first one's first video frame on,
// as an export starts at a key frame; all of the second one's, whose
// audio before its first video continues the export), video on one 40 ms step
// but where b's recording follows a's. The playlist on a lists both,
// b's pieces at a's API, which forwards them to b. Once b is stopped,
// the same export on a answers 502 naming node b: a read b's files
// through b's API, not from b's directory (which a could open, on one
// machine).
func TestExportAcrossTwoNodes(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	pg := pgtest.Start(t)
	clip := testmedia.ClipLength(t, testmedia.AV, 3)
	for _, format := range []string{"fmp4", "hls"} {
		t.Run(format, func(t *testing.T) { exportAcrossTwoNodes(t, pg, clip, format) })
	}
}

func exportAcrossTwoNodes(t *testing.T, pg *pgtest.Cluster, clip, format string) {
	url := pg.NewDB(t)
	app := "record_format " + format + ";"
	a, b := startNodeWith(t, "a", url, app), startNodeWith(t, "b", url, app)
	for _, n := range []*node{a, b} {
		if err := testmedia.Publish(context.Background(), t, clip, "rtmp://"+rtmpAddr(n.d, 0)+"/live/moved", false); err != nil {
			t.Fatalf("publish to %s: %v", n.name, err)
		}
	}
	waitFor(t, 15*time.Second, "both rows done", doneRows(t, a, "live/moved", 2), a.logs.String, b.logs.String)
	rows := nodeRows(t, a, "live/moved")
	var video, audio int
	for i, r := range rows { // newest first
		v, au := fromFirstVideo(t, mediaPath(r), i == len(rows)-1)
		video, audio = video+v, audio+au
	}
	if rows[0].Node == rows[1].Node || video < 100 || audio < 100 {
		t.Fatalf("rows %+v: %d video, %d audio frames", rows, video, audio)
	}
	q := fmt.Sprintf("export/live/moved?format=mp4&start=%d&end=%d", time.Now().Add(-time.Minute).Unix(), time.Now().Add(time.Minute).Unix())
	for _, n := range []*node{a, b} {
		res := n.c.Do("GET", "/export/{streamPath}", q, nil)
		if res.Status != 200 {
			t.Fatalf("export on %s: %d %.300s", n.name, res.Status, res.Body)
		}
		name := filepath.Join(t.TempDir(), "export.mp4")
		if err := os.WriteFile(name, res.Body, 0o644); err != nil {
			t.Fatal(err)
		}
		gotV, gotA := exportedFrames(t, name, len(rows)-1)
		if gotV != video || gotA != audio {
			t.Errorf("export on %s: %d video, %d audio frames; the two recordings hold %d and %d", n.name, gotV, gotA, video, audio)
		}
	}

	playlistAcrossNodes(t, a, rows)

	b.stop()
	res := a.c.Do("GET", "/export/{streamPath}", q, nil)
	if res.Status != 502 || !strings.Contains(string(res.Body), "node b") {
		t.Fatalf("export on a with b stopped: %d %.300s", res.Status, res.Body)
	}
}

// mediaPath is what ffprobe reads of a row: its file, or an HLS
// recording's playlist.
func mediaPath(r nodeRow) string {
	if st, err := os.Stat(r.FilePath); err == nil && st.IsDir() {
		return filepath.Join(r.FilePath, "index.m3u8")
	}
	return r.FilePath
}

// maxJoinStep bounds the video step where one recording follows
// another: a frame (40 ms) plus how far the next file's video starts
// after its audio (ffmpeg's AAC priming: about 23 ms).
const maxJoinStep = 100

// exportedFrames counts the video and audio packets ffprobe reads in an
// export of joins recordings, failing unless video steps 40 ms except at
// most at each join (then by at most maxJoinStep), and audio goes
// forward by at most maxJoinStep.
func exportedFrames(t *testing.T, name string, joins int) (video, audio int) {
	t.Helper()
	lastV, lastA := int64(-1), int64(-1)
	for _, p := range testmedia.Packets(t, name) {
		if p.Video {
			if step := p.DTS - lastV; lastV >= 0 && step != 40 {
				if joins--; joins < 0 || step < 40 || step > maxJoinStep {
					t.Fatalf("%s: video dts %d after %d (frame %d)", name, p.DTS, lastV, video)
				}
			}
			video, lastV = video+1, p.DTS
			continue
		}
		if step := p.DTS - lastA; lastA >= 0 && (step < 0 || step > maxJoinStep) {
			t.Fatalf("%s: audio dts %d after %d (frame %d)", name, p.DTS, lastA, audio)
		}
		audio, lastA = audio+1, p.DTS
	}
	return video, audio
}

// fromFirstVideo counts the video packets of a recorded file and its
// audio packets: from the first video packet on where the export starts
// (first), else all of them.
func fromFirstVideo(t *testing.T, name string, first bool) (video, audio int) {
	t.Helper()
	from := int64(-1)
	ps := testmedia.Packets(t, name)
	for _, p := range ps {
		if p.Video && (from < 0 || p.DTS < from) {
			from = p.DTS
		}
	}
	for _, p := range ps {
		if p.Video {
			video++
		} else if !first || from >= 0 && p.DTS >= from {
			audio++
		}
	}
	return video, audio
}

// playlistAcrossNodes: n's playlist of live/moved refers to each row's
// pieces at n's own API, after one discontinuity; the last entry (of the
// newest row, on the other node), a byte range of an fMP4 file or an
// HLS segment, read through n is the bytes of the file there.
func playlistAcrossNodes(t *testing.T, n *node, rows []nodeRow) {
	t.Helper()
	q := fmt.Sprintf("playlist/live/moved.m3u8?start=%d&end=%d", time.Now().Add(-time.Minute).Unix(), time.Now().Add(time.Minute).Unix())
	pl := n.c.Do("GET", "/playlist/{streamPath}.m3u8", q, nil)
	if pl.Status != 200 || strings.Count(string(pl.Body), "#EXT-X-DISCONTINUITY") != 1 {
		t.Fatalf("playlist on %s: %d\n%s", n.name, pl.Status, pl.Body)
	}
	lines := strings.Split(strings.TrimSpace(string(pl.Body)), "\n")
	last := rows[0] // the newest: the list is newest first
	uri := lines[len(lines)-2]
	if last.Node == n.name || !strings.HasPrefix(uri, fmt.Sprintf("/mp4/api/recordings/%d/file/", last.ID)) {
		t.Fatalf("the last entry %q is not node %s's row %d", uri, last.Node, last.ID)
	}
	file := last.FilePath
	if mediaPath(last) != file {
		file = filepath.Join(file, filepath.Base(uri))
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var hdr []string
	var length, off int64
	if _, err := fmt.Sscanf(lines[len(lines)-3], "#EXT-X-BYTERANGE:%d@%d", &length, &off); err == nil {
		hdr = []string{"Range", fmt.Sprintf("bytes=%d-%d", off, off+length-1)}
		want = want[off : off+length]
	}
	res := n.c.Do("GET", "/recordings/{id}/file/{name}", strings.TrimPrefix(uri, "/mp4/api/"), nil, hdr...)
	if res.Status/100 != 2 || len(want) == 0 || !bytes.Equal(res.Body, want) {
		t.Fatalf("%s %v through %s: %d, %d bytes of %d", uri, hdr, n.name, res.Status, len(res.Body), len(want))
	}
}
