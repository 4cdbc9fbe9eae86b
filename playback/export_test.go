package playback

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

func TestMain(m *testing.M) { testmedia.Main(m) }

// exportTo writes the plan in fmt to a file and returns its path.
func exportTo(t *testing.T, p *Plan, outFmt string) (string, Walked) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "out."+outFmt)
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var wk Walked
	switch outFmt {
	case "fmp4":
		wk, err = p.WriteFMP4(f)
	case "flv":
		wk, err = p.WriteFLV(f)
	case "mp4":
		var mf *MP4File
		if mf, err = p.NewMP4File(); err == nil {
			defer mf.Close()
			wk = mf.Walked
			_, err = io.Copy(f, mf)
		}
	}
	if err != nil {
		t.Fatalf("export %s: %v", outFmt, err)
	}
	return name, wk
}

// TestExportAcrossFiles records a 25-second clip split every 10 s in each
// format (HLS: fMP4 or MPEG-TS segments of 2 s, a directory per recording) and exports a range that starts inside a GOP and spans three
// files, in each output format: ffprobe must count exactly the frames
// from the key frame at or before the start to the end, with increasing
// timestamps; mp4check must accept every MP4.
func TestExportAcrossFiles(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 25)
	for _, src := range []string{"flv", "mp4", "fmp4", "hls", "hls-ts"} {
		rec := record(t, clip, src, t.TempDir(), 10*time.Second, epoch)
		if len(rec) != 3 {
			t.Fatalf("%s: %d files, want 3", src, len(rec))
		}
		if strings.HasPrefix(src, "hls") { // each recording is several segments
			pl, err := os.ReadFile(filepath.Join(rec[0].Row.Path, "index.m3u8"))
			if n := strings.Count(string(pl), "#EXTINF"); err != nil || n < 4 {
				t.Fatalf("hls recording: %d segments, %v", n, err)
			}
		}
		st := newStore(t, rec)
		// 4.5 s into the first file (inside the GOP from 4 s) to 3.2 s into the third.
		req := Request{StreamPath: "live/cam", Start: epoch.Add(4500 * time.Millisecond), End: epoch.Add(23200 * time.Millisecond)}
		for _, out := range []string{"fmp4", "mp4", "flv"} {
			t.Run(src+"-to-"+out, func(t *testing.T) {
				p, err := NewPlan(context.Background(), st, req)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Segments) != 3 || len(p.Gaps) != 0 {
					t.Fatalf("plan: %d segments, gaps %v", len(p.Segments), p.Gaps)
				}
				name, wk := exportTo(t, p, out)
				checkExport(t, name, out, wk, 4000, 23200)
			})
		}
	}
}

// checkExport checks an exported file against the walk and the expected
// source window [fromMS, toMS) of a 25 fps clip with a key frame a second.
func checkExport(t *testing.T, name, out string, wk Walked, fromMS, toMS int64) {
	t.Helper()
	wantVideo := (toMS - fromMS + 39) / 40
	if wk.Video != wantVideo {
		t.Errorf("walk: %d video frames, want %d", wk.Video, wantVideo)
	}
	v, a := testmedia.ProbePackets(t, name)
	if int64(v) != wk.Video || int64(a) != wk.Audio {
		t.Errorf("ffprobe: %d video %d audio packets, walk %d %d", v, a, wk.Video, wk.Audio)
	}
	pk := testmedia.Packets(t, name)
	var lastV int64 = -1
	for i, p := range pk {
		if !p.Video {
			continue
		}
		if lastV < 0 && (!p.Key || p.DTS > 100) {
			t.Fatalf("first video packet %+v: not a key frame at 0", p)
		}
		if lastV >= 0 && p.DTS-lastV != 40 {
			t.Fatalf("video packet %d: dts %d after %d, want +40 ms", i, p.DTS, lastV)
		}
		lastV = p.DTS
	}
	if out != "flv" {
		checkMP4(t, name, wk)
	}
	if testing.Verbose() {
		fmt.Println(name, v, a, wk)
	}
}

// checkMP4: our strict MP4 reader accepts the file, with every sample
// the walk wrote.
func checkMP4(t *testing.T, name string, wk Walked) {
	t.Helper()
	rep, err := mp4check.File(name)
	if err != nil {
		t.Fatalf("mp4check: %v", err)
	}
	var n int64
	for _, tr := range rep.Tracks {
		n += int64(tr.Samples)
	}
	if n != wk.Video+wk.Audio {
		t.Errorf("mp4check: %d samples, walk %d", n, wk.Video+wk.Audio)
	}
}

// TestExportGap moves the third file 5 s later than its media: the plan
// lists the gap, and the export closes it (continuous timestamps, every
// frame kept, none invented).
func TestExportGap(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 25)
	rec := record(t, clip, "fmp4", t.TempDir(), 10*time.Second, epoch)
	rec[2].Row.Start = rec[2].Row.Start.Add(5 * time.Second)
	rec[2].Row.End = rec[2].Row.End.Add(5 * time.Second)
	st := newStore(t, rec)
	p, err := NewPlan(context.Background(), st, Request{StreamPath: "live/cam", Start: epoch, End: epoch.Add(40 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	near := func(a time.Time, s int) bool {
		return a.Sub(epoch.Add(time.Duration(s)*time.Second)).Abs() < 100*time.Millisecond
	}
	if len(p.Gaps) != 2 || !near(p.Gaps[0].Start, 20) || !near(p.Gaps[0].End, 25) {
		t.Fatalf("gaps %v, want 20 s to 25 s and after the end", p.Gaps)
	}
	name, wk := exportTo(t, p, "mp4")
	checkExport(t, name, "mp4", wk, 0, 25000)
}

// TestExportMP3: an H.264 + MP3 clip recorded in each format exports in
// each output format with the 50 video frames and every MP3 frame of the
// recording at its time (ffprobe), and mp4check accepts the MP4s. An FLV
// names the MP3 track only with its first frame, after the first video
// frames: the FLV source looks ahead for it. An MP4 or fMP4 entry of MP3
// has no decoder configuration: the MP4 sources build the track from the
// entry.
func TestExportMP3(t *testing.T) {
	clip := testmedia.ClipMP3(t, 2)
	for _, src := range []string{"flv", "mp4", "fmp4", "hls", "hls-ts"} {
		rec := record(t, clip, src, t.TempDir(), time.Minute, epoch)
		want := recordedAudio(t, rec[0])
		if len(want) != rec[0].Audio || len(want) < 70 {
			t.Fatalf("%s recording: ffprobe %d audio packets, fixture wrote %d", src, len(want), rec[0].Audio)
		}
		st := newStore(t, rec)
		for _, out := range []string{"mp4", "fmp4", "flv"} {
			t.Run(src+"-to-"+out, func(t *testing.T) {
				p, err := NewPlan(context.Background(), st, Request{StreamPath: "live/cam", Start: epoch, End: epoch.Add(time.Minute)})
				if err != nil {
					t.Fatal(err)
				}
				if p.Audio == nil || p.Audio.Codec != media.CodecMP3 {
					t.Fatalf("plan audio track %v, want MP3", p.Audio)
				}
				name, wk := exportTo(t, p, out)
				v, _ := testmedia.ProbePackets(t, name)
				if wk.Video != 50 || int64(v) != wk.Video {
					t.Errorf("ffprobe %d video, walk %+v; want 50", v, wk)
				}
				sameTimes(t, out, audioTimes(t, name, 0), want)
				if out != "flv" {
					checkMP4(t, name, wk)
				}
			})
		}
	}
}

// recordedAudio is the time of each audio packet of a recording whose
// timeline starts with its first video frame (ffprobe; MPEG-TS: less the
// segments' offset).
func recordedAudio(t *testing.T, r recorded) []int64 {
	t.Helper()
	name := r.Row.Path
	if r.Row.Format == "hls" {
		name = filepath.Join(name, hls.PlaylistName)
	}
	pk := testmedia.Packets(t, name)
	zero := int64(-1)
	for _, p := range pk {
		if p.Video && (zero < 0 || p.DTS < zero) {
			zero = p.DTS
		}
	}
	return audioTimes(t, name, zero)
}

// audioTimes is the decode time (ms) of every audio packet in the file
// at name, minus shift, in file order.
func audioTimes(t *testing.T, name string, shift int64) []int64 {
	t.Helper()
	var ts []int64
	for _, p := range testmedia.Packets(t, name) {
		if !p.Video {
			ts = append(ts, p.DTS-shift)
		}
	}
	return ts
}

// sameTimes fails unless got and want list the same times.
func sameTimes(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d audio packets, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("%s: audio packet %d at %d ms, want %d", what, i, got[i], want[i])
			return
		}
	}
}
