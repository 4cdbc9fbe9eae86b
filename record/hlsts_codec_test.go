package record

import (
	"path/filepath"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/internal/tscheck"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// TestE2EHLSMPEGTSCodecs: every codec MPEG-TS segments carry besides
// H.264 + AAC (covered by the exact-times test): HEVC with B-frames +
// Opus from our client over Enhanced RTMP, H.264 + MP3 from ffmpeg. ffprobe
// reads index.m3u8 from disk with every source packet at its exact times
// (the segments' 100 ms offset taken off) and names the codecs.
func TestE2EHLSMPEGTSCodecs(t *testing.T) {
	const ts = "record all; record_path DIR; record_format hls; record_hls_segment_type mpegts; record_hls_fragment 1s;"
	t.Run("hevc+opus", func(t *testing.T) {
		v, a := testmedia.ERTMPTrack(t, testmedia.HEVC, 2), testmedia.ERTMPTrack(t, testmedia.Opus, 2)
		want := append(append([]testmedia.Packet{}, v.Packets...), a.Packets...)
		s := startServer(t, ts)
		p, err := publish(t, s.addr, "cam")
		if err != nil {
			t.Fatal(err)
		}
		p.send(t, testmedia.Interleave(v, a)...)
		p.c.DeleteStream(p.sid)
		checkTSRecording(t, s.wait(t, 1)[0], want, testmedia.HEVC, testmedia.Opus)
	})
	t.Run("h264+mp3", func(t *testing.T) {
		clip := testmedia.ClipMP3(t, 3)
		s := startServer(t, ts)
		if err := testmedia.Publish(t.Context(), t, clip, "rtmp://"+s.addr+"/live/cam", false); err != nil {
			t.Fatal(err)
		}
		checkTSRecording(t, s.wait(t, 1)[0], testmedia.Packets(t, clip), "h264", "mp3")
	})
}

func checkTSRecording(t *testing.T, ev Event, want []testmedia.Packet, video, audio string) {
	t.Helper()
	if ev.Err != nil {
		t.Fatalf("event %+v", ev)
	}
	got := testmedia.Packets(t, ev.Playlist)
	for i := range got {
		got[i].PTS -= 100
		got[i].DTS -= 100
	}
	comparePackets(t, ev.Playlist, got, want)
	rep := checkTSSegments(t, ev.Path, readPlaylist(t, ev.Playlist, true))
	if len(rep.Tracks) != 2 {
		t.Fatalf("%s: %d elementary streams, want 2", ev.Path, len(rep.Tracks))
	}
	st := probeStreams(t, ev.Playlist)
	if st["video"].CodecName != video || st["audio"].CodecName != audio {
		t.Fatalf("%s: streams %+v, want %s and %s", ev.Playlist, st, video, audio)
	}
}

// checkTSSegments runs a recording's MPEG-TS segments, in playlist order,
// through the strict checker: one writer's output, each segment starting
// with the program tables and a key frame, restarting only at a
// discontinuity.
func checkTSSegments(t *testing.T, dir string, p *hls.Playlist) tscheck.Report {
	t.Helper()
	var files []tscheck.SegmentFile
	for _, s := range p.Segments {
		files = append(files, tscheck.SegmentFile{Path: filepath.Join(dir, s.URI), Discontinuity: s.Discontinuity})
	}
	rep, err := tscheck.CheckFiles(files, true)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
