package record

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// TestE2EFFmpegPublishHLS: ffmpeg publishes through the real server to
// a recorder of each segment type: ffprobe reads every packet of the
// clip from index.m3u8 on disk, the playlist validates, and the lock
// file inside the directory is free once the recording is done.
func TestE2EFFmpegPublishHLS(t *testing.T) {
	clip := testmedia.Clip(t)
	wv, wa := testmedia.ProbePackets(t, clip)
	for _, segType := range []string{hls.SegmentFMP4, hls.SegmentMPEGTS} {
		t.Run(segType, func(t *testing.T) {
			s := startServer(t, "record all; record_path DIR; record_format hls; record_hls_segment_type "+segType+"; record_hls_fragment 1s;")
			if err := testmedia.Publish(t.Context(), t, clip, "rtmp://"+s.addr+"/live/cam", false); err != nil {
				t.Fatal(err)
			}
			ev := s.wait(t, 1)[0]
			if ev.Path != filepath.Join(s.dir, "cam") || ev.Err != nil {
				t.Fatalf("event %+v", ev)
			}
			if v, a := testmedia.ProbePackets(t, ev.Playlist); v != wv || a != wa {
				t.Fatalf("recorded %d video %d audio packets, clip has %d %d", v, a, wv, wa)
			}
			p := readPlaylist(t, ev.Playlist, true)
			if len(p.Segments) < 3 {
				t.Fatalf("%d segments of a 4 s clip at 1 s fragments", len(p.Segments))
			}
			if probeLock(t, ev.Path) {
				t.Fatal("lock held after the recording")
			}
		})
	}
}

// TestE2EClientPublishHLSAppend: our client publishes twice to a
// recorder with record_append, for each segment type: one directory, the
// second session after a discontinuity, every frame sent readable
// through the playlist (MPEG-TS: and the strict checker passes, its
// counters and clock restarting only at the discontinuity).
func TestE2EClientPublishHLSAppend(t *testing.T) {
	for _, segType := range []string{hls.SegmentFMP4, hls.SegmentMPEGTS} {
		t.Run(segType, func(t *testing.T) { clientPublishHLSAppend(t, segType) })
	}
}

func clientPublishHLSAppend(t *testing.T, segType string) {
	s := startServer(t, "record all; record_path DIR; record_format hls; record_hls_segment_type "+segType+"; record_append on; record_hls_fragment 1s;")
	clip := testmedia.ClipLength(t, testmedia.AV, 3)
	wv, wa := testmedia.ProbePackets(t, clip)
	for range 2 {
		// the first publish may still be ending when its recording has
		// closed: poll until the name is free
		p, err := publish(t, s.addr, "cam")
		for deadline := time.Now().Add(10 * time.Second); err != nil && strings.Contains(err.Error(), "Already publishing") && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			p, err = publish(t, s.addr, "cam")
		}
		if err != nil {
			t.Fatal(err)
		}
		p.send(t, framesOf(t, clip)...)
		p.c.DeleteStream(p.sid)
		s.wait(t, 1)
	}
	pl := filepath.Join(s.dir, "cam", "index.m3u8")
	p := readPlaylist(t, pl, true)
	discs := 0
	for _, seg := range p.Segments {
		if seg.Discontinuity {
			discs++
		}
	}
	if discs != 1 {
		t.Fatalf("%d discontinuities, want 1", discs)
	}
	if v, a := testmedia.ProbePackets(t, pl); v != 2*wv || a != 2*wa {
		t.Fatalf("%d video %d audio packets, sent %d %d", v, a, 2*wv, 2*wa)
	}
	if segType == hls.SegmentMPEGTS {
		checkTSSegments(t, filepath.Join(s.dir, "cam"), p)
	}
}

// TestE2EAV1WithMPEGTSRecorderOff: AV1 over Enhanced RTMP to an HLS
// recorder with MPEG-TS segments: one clear error, no recording at all
// (not an audio-only one, not a broken one), while an fMP4 recorder of
// the same stream records it.
func TestE2EAV1WithMPEGTSRecorderOff(t *testing.T) {
	s := startServer(t, "recorder ts { record all; record_path DIR/ts; record_format hls; record_hls_segment_type mpegts; }\n"+
		"recorder cmaf { record all; record_path DIR/cmaf; record_format hls; record_hls_fragment 1s; }")
	p, err := publish(t, s.addr, "av1")
	if err != nil {
		t.Fatal(err)
	}
	in := []media.Frame{aSeq(0), {Type: media.TypeVideo, Payload: av1ExSeqPayload(), Keyframe: true, SeqHeader: true}}
	for i := range 50 {
		key := i%25 == 0
		in = append(in, media.Frame{Type: media.TypeVideo, Time: int64(i) * 40, Payload: av1ExPayload(key, i), Keyframe: key},
			aRaw(int64(i)*40+5, i))
	}
	p.send(t, in...)
	p.c.DeleteStream(p.sid)
	evs := s.wait(t, 1)
	if len(evs) != 1 || evs[0].Recorder != "cmaf" || evs[0].VideoFrames != 50 {
		t.Fatalf("events %+v: want only the fMP4 recording", evs)
	}
	if ents, _ := os.ReadDir(filepath.Join(s.dir, "ts")); len(ents) != 0 {
		t.Fatalf("MPEG-TS recorder left %v", ents)
	}
	if n := strings.Count(s.logs.String(), "cannot carry the stream's video codec"); n != 1 {
		t.Fatalf("%d refusal log lines, want 1:\n%s", n, s.logs)
	}
	readPlaylist(t, evs[0].Playlist, true)
}
