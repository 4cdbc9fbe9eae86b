package rtmp

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// in is one frame offered to a timeline: its type, the publisher's
// timestamp, and how much wall-clock time passed before it arrived.
type in struct {
	typ   uint8
	ts    int64
	after time.Duration
}

func v(ts int64) in { return in{TypeVideo, ts, 0} }
func a(ts int64) in { return in{TypeAudio, ts, 0} }

// later returns f arriving d after the frame before it.
func (f in) later(d time.Duration) in { f.after = d; return f }

// steady returns n video frames 40 ms apart from start, each arriving 40 ms
// after the one before.
func steady(start int64, n int) []in {
	var out []in
	for i := range n {
		out = append(out, v(start+int64(i)*40).later(40*time.Millisecond))
	}
	return out
}

const day = 24 * time.Hour

func TestTimestampJumpRule(t *testing.T) {
	const big = int64(1) << 31 // 24.8 days
	cases := []struct {
		name   string
		frames []in
		want   []int64 // timestamps given, frame by frame
		jumps  int
		dropAt int // index of the frame that drops the publish; -1 none
	}{
		{"steady stream unchanged", steady(5000, 4), []int64{5000, 5040, 5080, 5120}, 0, -1},
		{"audio a little older than the video before it",
			[]in{v(0), a(0), v(40), a(23), a(46), v(80), a(69)}, []int64{0, 0, 40, 23, 46, 80, 69}, 0, -1},
		{"step back within 10 s kept", []in{v(20000), v(15000), v(15040)}, []int64{20000, 15000, 15040}, 0, -1},
		{"pause that the timestamps count keeps its gap",
			[]in{v(0), v(40), v(7_200_040).later(2 * time.Hour)}, []int64{0, 40, 7_200_040}, 0, -1},
		{"genuine long stream passes 2^32 ms at the pace of the clock",
			[]in{v(0), v(int64(20 * day / time.Millisecond)).later(20 * day), v(int64(40 * day / time.Millisecond)).later(20 * day),
				v(int64(60 * day / time.Millisecond)).later(20 * day)},
			[]int64{0, int64(20 * day / time.Millisecond), int64(40 * day / time.Millisecond), int64(60 * day / time.Millisecond)}, 0, -1},
		{"forward jump rebased one frame interval on",
			[]in{v(0), v(40), v(80), v(80 + big), v(120 + big)}, []int64{0, 40, 80, 120, 160}, 1, -1},
		{"clock reset rebased", []in{v(600_000), v(600_040).later(time.Second), v(0), v(40)}, []int64{600_000, 600_040, 600_080, 600_120}, 1, -1},
		{"jump beyond the pause rebased", []in{v(0), v(40), v(40 + 3_600_000).later(time.Minute)}, []int64{0, 40, 80}, 1, -1},
		{"first frame of a track far from the other rebased",
			[]in{v(0), v(40), a(40 + big), a(63 + big)}, []int64{0, 40, 80, 103}, 1, -1},
		{"first frame of a track near the other kept", []in{v(1000), a(990)}, []int64{1000, 990}, 0, -1},
		{"every frame 24.8 days ahead is dropped at the 8th jump",
			[]in{v(0), v(big), v(2 * big), v(3 * big), v(4 * big), v(5 * big), v(6 * big), v(7 * big), v(8 * big), v(9 * big)},
			[]int64{0, 1, 2, 3, 4, 5, 6, 7}, 8, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var tl timeline
			now := time.Unix(1_700_000_000, 0)
			var got []int64
			jumps, dropped := 0, -1
			for i, f := range tc.frames {
				now = now.Add(f.after)
				out, j, err := tl.place(f.typ, f.ts, now)
				if j != nil {
					jumps++
				}
				if err != nil {
					if !errors.Is(err, errTimestampJumps) {
						t.Fatalf("frame %d: err %v", i, err)
					}
					dropped = i
					break
				}
				got = append(got, out)
			}
			if !slices.Equal(got, tc.want) || jumps != tc.jumps || dropped != tc.dropAt {
				t.Errorf("got %v, %d jumps, dropped at %d; want %v, %d jumps, dropped at %d",
					got, jumps, dropped, tc.want, tc.jumps, tc.dropAt)
			}
		})
	}
}

// TestTimestampJumpsSpreadOut: jumps further apart than the window never
// drop the publish, however many there are.
func TestTimestampJumpsSpreadOut(t *testing.T) {
	var tl timeline
	now := time.Unix(1_700_000_000, 0)
	ts, jumps := int64(0), 0
	for i := range 20 * jumpWindow {
		ts += 40
		if i%(jumpWindow/(maxJumps-1)+1) == 0 {
			ts += 1 << 31
		}
		now = now.Add(40 * time.Millisecond)
		_, j, err := tl.place(TypeVideo, ts, now)
		if err != nil {
			t.Fatalf("frame %d: dropped after %d jumps: %v", i, jumps, err)
		}
		if j != nil {
			jumps++
		}
	}
	if jumps < 100 {
		t.Fatalf("%d jumps; the test needs many", jumps)
	}
}

// TestTimestampJumpDataMessages: data messages take the shift of the last
// media frame and never go below 0.
func TestTimestampJumpDataMessages(t *testing.T) {
	var tl timeline
	now := time.Unix(1_700_000_000, 0)
	if got := tl.data(0); got != 0 {
		t.Fatalf("data before media: %d", got)
	}
	tl.place(TypeVideo, 1000, now)
	tl.place(TypeVideo, 1000+1<<31, now) // rebased to 1001: shift 1-2^31
	if got := tl.data(1040 + 1<<31); got != 1041 {
		t.Errorf("data after the jump at %d, want 1041", got)
	}
	if got := tl.data(0); got != 0 {
		t.Errorf("data stamped 0 after the jump at %d, want 0", got)
	}
}
