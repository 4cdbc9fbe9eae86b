package flv

import "testing"

// TestKeyIndexBounded: a 24 h file with 2 s GOPs keeps at most maxIndex
// entries in memory, evenly spread from the first keyframe to the end.
func TestKeyIndexBounded(t *testing.T) {
	x := newKeyIndex(maxIndex, 100)
	const keys = 24 * 3600 / 2
	for i := range int64(keys) {
		x.add(i*2000, 1000+i*500000)
	}
	if len(x.times) > maxIndex || cap(x.times) > maxIndex || len(x.times) < maxIndex/2 {
		t.Fatalf("%d entries, capacity %d", len(x.times), cap(x.times))
	}
	step := x.times[1] - x.times[0]
	for i := 1; i < len(x.times); i++ {
		if x.times[i]-x.times[i-1] != step {
			t.Fatalf("uneven index at %d", i)
		}
	}
	if end := x.times[len(x.times)-1]; end < (keys-1)*2000-step {
		t.Fatalf("index ends at %d ms of %d", end, (keys-1)*2000)
	}
}
