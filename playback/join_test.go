package playback

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/playback/playbacktest"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// lead is how far a fixture file's audio starts before its video.
const lead = 50 * time.Millisecond

// TestExportKeepsAudioAtJoins records a 25-second clip split every 10 s
// in each format, each file after the first starting with the audio of
// the 50 ms before its key frame, and exports 4.5 s to 23.2 s (three
// recordings) in each output format. At the start the export begins at
// the key frame at 4 s, without the audio before it; at each join the
// audio of the next recording before its first video frame is kept:
// ffprobe finds every audio packet of the recordings inside the range,
// one AAC frame apart but at the joins (where the next file's timeline,
// from its first audio frame, follows the last one's video), at the same
// times whatever the recordings' format (MP4: the video's empty edit),
// and mp4check accepts the MP4s with every sample the walk wrote.
func TestExportKeepsAudioAtJoins(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 25)
	req := Request{StreamPath: "live/cam", Start: epoch.Add(4500 * time.Millisecond), End: epoch.Add(23200 * time.Millisecond)}
	first := map[string][]testmedia.Packet{} // the flv recordings' export, per output
	for _, src := range []string{"flv", "mp4", "fmp4", "hls", "hls-ts"} {
		rec := playbacktest.RecordLead(t, clip, src, t.TempDir(), 10*time.Second, epoch, lead)
		if len(rec) != 3 || rec[1].Row.Start.Sub(epoch) >= 10*time.Second {
			t.Fatalf("%s: %d recordings, the second from %v: want 3, with audio before 10 s", src, len(rec), rec[1].Row.Start.Sub(epoch))
		}
		st := newStore(t, rec)
		for _, out := range []string{"fmp4", "mp4", "flv"} {
			t.Run(src+"-to-"+out, func(t *testing.T) {
				p, err := NewPlan(context.Background(), st, req)
				if err != nil {
					t.Fatal(err)
				}
				name, wk := exportTo(t, p, out)
				want := audioInRange(t, rec, wk.First.Sub(epoch).Milliseconds(), 23200)
				got := audioTimes(t, name, 0)
				if len(got) != want || wk.Audio != int64(want) {
					t.Errorf("ffprobe %d audio packets, walk %d; the recordings have %d in the range", len(got), wk.Audio, want)
				}
				continuous(t, got, len(rec)-1, lead.Milliseconds())
				pk := byTrack(testmedia.Packets(t, name))
				if first[out] == nil {
					first[out] = pk
				} else if i := samePackets(pk, first[out]); i >= 0 {
					t.Errorf("packet %d of %d: %+v; the export of the flv recordings has %+v", i, len(pk), at(pk, i), at(first[out], i))
				}
				if out != "flv" {
					checkMP4(t, name, wk)
				}
			})
		}
	}
}

// audioInRange counts the audio packets of the recordings (ffprobe) whose
// time since the first recording's start is in [fromMS, toMS); a file's
// time zero is its first packet's.
func audioInRange(t *testing.T, rec []recorded, fromMS, toMS int64) int {
	t.Helper()
	n := 0
	for _, r := range rec {
		name := r.Row.Path
		if r.Row.Format == "hls" {
			name = filepath.Join(name, hls.PlaylistName)
		}
		pk := testmedia.Packets(t, name)
		zero := pk[0].DTS
		for _, p := range pk {
			zero = min(zero, p.DTS)
		}
		at := r.Row.Start.Sub(epoch).Milliseconds()
		for _, p := range pk {
			if ts := at + p.DTS - zero; !p.Video && ts >= fromMS && ts < toMS {
				n++
			}
		}
	}
	return n
}

// continuous fails unless audio times increase by one AAC frame at 44.1
// kHz (23.2 ms), but at most at each of joins, where they may step up to
// a frame plus lead.
func continuous(t *testing.T, ts []int64, joins int, lead int64) {
	t.Helper()
	for i := 1; i < len(ts); i++ {
		d := ts[i] - ts[i-1]
		if d >= 23 && d <= 24 {
			continue
		}
		if joins--; joins < 0 || d <= 0 || d > 24+lead {
			t.Errorf("audio packet %d at %d ms after %d: not one frame later", i, ts[i], ts[i-1])
			return
		}
	}
}

// byTrack lists the video packets, then the audio packets, each in file
// order: the sources interleave the tracks in fragments differently.
func byTrack(pk []testmedia.Packet) []testmedia.Packet {
	var v, a []testmedia.Packet
	for _, p := range pk {
		if p.Video {
			v = append(v, p)
		} else {
			a = append(a, p)
		}
	}
	return append(v, a...)
}

// samePackets is the index of the first packet where a and b differ, -1
// if none.
func samePackets(a, b []testmedia.Packet) int {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return -1
}

func at(pk []testmedia.Packet, i int) any {
	if i < len(pk) {
		return pk[i]
	}
	return "nothing"
}
