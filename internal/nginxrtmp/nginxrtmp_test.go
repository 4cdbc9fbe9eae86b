package nginxrtmp

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

func TestMain(m *testing.M) { testmedia.Main(m) }

// TestRecordAll pushes the clip with ffmpeg and checks nginx's file with the
// strict reader: every tag and back-pointer valid, no onMetaData, every
// packet of the clip, the sequence headers first (the AAC one twice) and
// ffprobe reading the same packets as from the clip.
func TestRecordAll(t *testing.T) {
	t.Parallel()
	clip := testmedia.Clip(t)
	s := StartTest(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := testmedia.Publish(ctx, t, clip, s.URL("x"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.RecordDir(), "x.flv")
	sum, err := flv.Verify(path)
	if err != nil {
		t.Fatalf("nginx's recording does not read clean: %v", err)
	}
	f, err := flv.ReadFile(path)
	if err != nil {
		t.Fatalf("nginx's recording does not read clean: %v", err)
	}
	video, audio := testmedia.ProbePackets(t, clip)
	var seqAudio, seqVideo, mediaAudio, mediaVideo int
	for _, tag := range f.Tags {
		switch {
		case tag.Type == flv.TagAudio && tag.IsSeqHeader():
			seqAudio++
		case tag.Type == flv.TagAudio:
			mediaAudio++
		case tag.Type == flv.TagVideo && tag.IsSeqHeader():
			seqVideo++
		case tag.Type == flv.TagVideo && !tag.IsEndOfSeq():
			mediaVideo++
		}
	}
	checks := []struct {
		what      string
		got, want int
	}{
		{"header flags", int(sum.Header.Flags), flv.FlagAudio | flv.FlagVideo},
		{"script tags (nginx writes no onMetaData)", sum.Script, 0},
		{"AAC sequence headers (nginx writes them twice)", seqAudio, 2},
		{"AVC sequence headers", seqVideo, 1},
		{"audio frames", mediaAudio, audio},
		{"video frames", mediaVideo, video},
		{"first timestamp", int(sum.FirstTimestamp), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.what, c.got, c.want)
		}
	}
	if !f.Tags[0].IsSeqHeader() || !sum.AudioMonotonic || !sum.VideoMonotonic {
		t.Errorf("first tag %+v is not a sequence header, or timestamps go back: %+v", f.Tags[0], sum)
	}
	if v, a := testmedia.ProbePackets(t, path); v != video || a != audio {
		t.Errorf("ffprobe reads %d video, %d audio packets from nginx's file; the clip has %d, %d", v, a, video, audio)
	}
}
