package load

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
)

// fakeClock jumps to every time it is asked to sleep until, and advances
// by step on every Now, so pacing runs instantly and deterministically.
type fakeClock struct {
	now  time.Time
	step time.Duration
}

func (c *fakeClock) Now() time.Time {
	t := c.now
	c.now = c.now.Add(c.step)
	return t
}

func (c *fakeClock) SleepUntil(ctx context.Context, t time.Time) error {
	if t.After(c.now) {
		c.now = t
	}
	return ctx.Err()
}

// sent is one frame as the pacer handed it over.
type sent struct {
	typ uint8
	ts  uint32
	at  time.Duration // clock time since the start
}

// testClip is 1 s of 25 fps video and 50 Hz audio after two sequence
// headers, starting at 1000 ms to check that timestamps are rebased.
func testClip(t *testing.T) *Clip {
	t.Helper()
	tags := []flv.Tag{
		{Type: flv.TagScript, Timestamp: 0, Data: []byte{2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 8, 0, 0, 0, 0, 0, 0, 9}},
		{Type: flv.TagVideo, Timestamp: 1000, Data: []byte{0x17, 0, 0, 0, 0, 1}},
		{Type: flv.TagAudio, Timestamp: 1000, Data: []byte{0xaf, 0, 0x12, 0x10}},
	}
	for ms := uint32(0); ms < 1000; ms += 20 {
		if ms%40 == 0 {
			tags = append(tags, flv.Tag{Type: flv.TagVideo, Timestamp: 1000 + ms, Data: []byte{0x27, 1, 0, 0, 0, 9}})
		}
		tags = append(tags, flv.Tag{Type: flv.TagAudio, Timestamp: 1000 + ms, Data: []byte{0xaf, 1, 7}})
	}
	tags = append(tags, flv.Tag{Type: flv.TagVideo, Timestamp: 1960, Data: []byte{0x17, 2, 0, 0, 0}}) // end of sequence
	c, err := NewClip(tags)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewClip(t *testing.T) {
	c := testClip(t)
	if len(c.Headers) != 2 || c.Video != 25 || c.Audio != 50 || c.Meta == nil {
		t.Fatalf("headers %d video %d audio %d meta %v, want 2, 25, 50 and metadata", len(c.Headers), c.Video, c.Audio, c.Meta != nil)
	}
	if c.Frames[0].Time != 0 || c.Period != 1000 {
		t.Errorf("first frame at %d ms, period %d ms, want 0 and 1000", c.Frames[0].Time, c.Period)
	}
	if _, err := NewClip([]flv.Tag{{Type: flv.TagScript, Data: []byte{5}}}); err == nil {
		t.Error("NewClip accepted a clip without media")
	}
}

// runPacer runs a pacer over clip on a fake clock and records every frame.
func runPacer(t *testing.T, p pacer, clock *fakeClock) []sent {
	t.Helper()
	start := clock.now
	var out []sent
	p.clock = clock
	p.send = func(f *Frame, ts uint32) error {
		out = append(out, sent{typ: f.Type, ts: ts, at: clock.now.Sub(start)})
		return nil
	}
	if err := p.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPacerRealtime(t *testing.T) {
	clip := testClip(t)
	tests := []struct {
		name      string
		loops     int
		duration  time.Duration
		wantMedia int
		wantLast  uint32
	}{
		{"two loops", 2, 0, 150, 1980},
		{"duration", 0, 1500 * time.Millisecond, 75 + 38, 1480},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Unix(1000, 0)}
			out := runPacer(t, pacer{clip: clip, realtime: true, loops: tc.loops, duration: tc.duration}, clock)
			if len(out) != 2+tc.wantMedia || out[len(out)-1].ts != tc.wantLast {
				t.Fatalf("sent %d frames ending at %d ms, want %d ending at %d", len(out), out[len(out)-1].ts, 2+tc.wantMedia, tc.wantLast)
			}
			var last [2]int64
			last[0], last[1] = -1, -1
			for i, s := range out {
				// Frames leave at their timestamp, within the batching slack.
				if d := s.at - time.Duration(s.ts)*time.Millisecond; d < -slack || d > slack {
					t.Fatalf("frame %d (ts %d ms) sent at %v", i, s.ts, s.at)
				}
				if i < 2 {
					continue // the sequence headers, at 0
				}
				k := trackIndex(s.typ)
				if int64(s.ts) <= last[k] {
					t.Fatalf("frame %d: type %d timestamp %d after %d: not continuous", i, s.typ, s.ts, last[k])
				}
				last[k] = int64(s.ts)
			}
		})
	}
}

func TestPacerFastStopsAtDuration(t *testing.T) {
	clip := testClip(t)
	// Every Now advances 10 ms: the pacer must stop after about 100 checks
	// instead of sending the unlimited loops.
	clock := &fakeClock{now: time.Unix(0, 0), step: 10 * time.Millisecond}
	out := runPacer(t, pacer{clip: clip, duration: time.Second}, clock)
	if n := len(out) - 2; n < 95 || n > 105 {
		t.Fatalf("sent %d media frames in 1 s at one per 10 ms, want about 100", n)
	}
	if out[len(out)-1].ts < clip.Period {
		t.Errorf("last timestamp %d, want the second loop (period %d)", out[len(out)-1].ts, clip.Period)
	}
}

func TestPacerStopsOnContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	p := pacer{clip: testClip(t), clock: &fakeClock{now: time.Unix(0, 0)}, send: func(*Frame, uint32) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	}}
	if err := p.run(ctx); err != context.Canceled || n != 10 {
		t.Fatalf("run = %v after %d frames, want context.Canceled after 10", err, n)
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		url, host, app, name, err string
	}{
		{url: "rtmp://127.0.0.1:1935/live/cam", host: "127.0.0.1:1935", app: "live", name: "cam"},
		{url: "rtmp://127.0.0.1/live/cam", host: "127.0.0.1:1935", app: "live", name: "cam"},
		{url: "http://127.0.0.1/live/cam", err: "want rtmp://"},
		{url: "rtmp://127.0.0.1/live", err: "want rtmp://"},
		{url: "rtmp://127.0.0.1/live/a/b", err: "want rtmp://"},
	}
	for _, tc := range tests {
		got, err := parseTarget(tc.url)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil || got.host != tc.host || got.app != tc.app || got.name != tc.name {
			t.Errorf("%s: %+v %v", tc.url, got, err)
		}
	}
}

func TestPercentile(t *testing.T) {
	d := []time.Duration{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {99, 10}, {100, 10}, {1, 1}} {
		if got := Percentile(d, tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}
