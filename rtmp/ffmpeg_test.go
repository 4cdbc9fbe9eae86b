package rtmp

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

func TestMain(m *testing.M) { testmedia.Main(m) }

// TestFFmpegPublish publishes the test clip with `ffmpeg -c copy -f flv`
// and checks that every audio and video tag of the clip reached OnAV with
// its bytes, timestamp and flags, that onMetaData arrived, and that the
// publish was closed once when ffmpeg left.
func TestFFmpegPublish(t *testing.T) {
	clip := testmedia.Clip(t)
	file, err := flv.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "rec", log: ev, keepAV: true}}})
	if err := testmedia.Publish(testCtx(t), t, clip, "rtmp://"+ts.addr+"/live/cam?token=1", false); err != nil {
		t.Fatal(err)
	}
	lines := ev.waitLine(t, "rec:close unpublish")
	for _, r := range ts.logs.all() {
		t.Log(r)
	}
	if count(lines, "rec:publish cam args=token=1 type=live") != 1 || count(lines, "rec:close unpublish")+count(lines, "rec:close disconnect") != 1 {
		t.Errorf("events %q", lines)
	}

	var want []flv.Tag
	for _, tag := range file.Tags {
		if tag.Type == TypeAudio || tag.Type == TypeVideo {
			want = append(want, tag)
		}
	}
	var got []Frame
	meta := 0
	for _, f := range ev.framesOf("rec") {
		if f.Type == TypeData {
			meta++
			if !bytes.HasPrefix(f.Payload, []byte("\x02\x00\x0aonMetaData")) {
				t.Errorf("data frame %q is not onMetaData", f.Payload)
			}
			continue
		}
		got = append(got, f)
	}
	if meta != 1 {
		t.Errorf("%d onMetaData frames, want 1", meta)
	}
	if len(got) != len(want) {
		t.Fatalf("received %d audio/video frames, the clip has %d", len(got), len(want))
	}
	keys := 0
	for i, w := range want {
		g := got[i]
		if g.Type != w.Type || g.Time != int64(w.Timestamp) || !bytes.Equal(g.Payload, w.Data) ||
			g.Keyframe != (w.Type == TypeVideo && w.IsKeyframe()) || g.SeqHeader != w.IsSeqHeader() {
			t.Fatalf("frame %d: type %d time %d key %v seq %v %d bytes; clip tag: type %d time %d key %v seq %v %d bytes",
				i, g.Type, g.Time, g.Keyframe, g.SeqHeader, len(g.Payload), w.Type, w.Timestamp, w.IsKeyframe(), w.IsSeqHeader(), len(w.Data))
		}
		if g.Keyframe {
			keys++
		}
	}
	if keys < 4 {
		t.Errorf("%d key frames, the 4 s clip has one per second", keys)
	}
}

// TestFFmpegRefused: ffmpeg gives up cleanly (exits with an error, does
// not hang) on an unknown application and on a name already published.
func TestFFmpegRefused(t *testing.T) {
	clip := testmedia.Clip(t)
	ts := startServer(t, testConfig("live"), Options{})
	publishClient(t, ts.addr, "live", "taken")
	for _, path := range []string{"nosuchapp/cam", "live/taken"} {
		err := testmedia.Publish(testCtx(t), t, clip, "rtmp://"+ts.addr+"/"+path, false)
		if err == nil || testCtx(t).Err() != nil {
			t.Errorf("ffmpeg publish to %s: %v, want a refusal", path, err)
		}
	}
	if n := len(ts.logs.matching(slog.LevelInfo, "publish refused: already publishing", "name=taken")); n != 1 {
		t.Errorf("%d BadName records: %q", n, ts.logs.all())
	}
}
