package record

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
)

// spoolStream adds seconds of 25 fps video with a key frame every second
// to sp, frames of size bytes whose first 8 bytes carry their number.
func spoolStream(sp *spool, from, seconds int, size int) {
	p := make([]byte, size)
	for i := from * 25; i < (from+seconds)*25; i++ {
		binary.BigEndian.PutUint64(p, uint64(i))
		fl := uint8(0)
		if i%25 == 0 {
			fl = spoolKey | spoolBreak
		}
		sp.add(int64(i)*40, media.TypeVideo, fl, p)
	}
}

// replayAll reads the whole ring back and checks that its frames are
// consecutive from a key frame; it returns the first and last numbers.
func replayAll(t *testing.T, sp *spool) (first, last int64) {
	t.Helper()
	first, last = -1, -1
	err := sp.replay(-1, func(r *spoolRecord) {
		n := int64(binary.BigEndian.Uint64(r.payload))
		switch {
		case first < 0 && (n%25 != 0 || r.flags&spoolBreak == 0):
			t.Fatalf("replay starts at frame %d, not a key frame", n)
		case first < 0:
			first = n
		case n != last+1 || r.time != n*40:
			t.Fatalf("frame %d (time %d) follows %d", n, r.time, last)
		}
		last = n
	})
	if err != nil {
		t.Fatal(err)
	}
	return first, last
}

func ringSize(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestSpoolHostileBitrate: 50 MB through a ring capped at 1 MiB keep the
// file at 1 MiB, and what it holds reads back whole and in order.
func TestSpoolHostileBitrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.ring")
	sp := newSpool(path, 1<<20, 60000, slogDiscard)
	defer sp.close()
	spoolStream(sp, 0, 20, 30_000) // 6 Mbit/s: 15 MB
	if s := ringSize(t, path); s > 1<<20 {
		t.Fatalf("ring file is %d bytes, over its 1 MiB cap", s)
	}
	first, last := replayAll(t, sp)
	if last != 20*25-1 || first < last-35 {
		t.Fatalf("ring holds frames %d..%d, want up to %d", first, last, 20*25-1)
	}
	// a GOP larger than the ring cannot be held: nothing is, rather than
	// frames no file could start with
	spoolStream(sp, 20, 5, 100_000)
	if s := ringSize(t, path); s > 1<<20 {
		t.Fatalf("ring file is %d bytes, over its 1 MiB cap", s)
	}
	if first, last := replayAll(t, sp); first != -1 {
		t.Fatalf("ring holds frames %d..%d of a GOP larger than it", first, last)
	}
}

// TestSpoolTimeBound: with room to spare the ring holds max-before plus
// at most one GOP, and its file stays near twice that, not at its cap.
func TestSpoolTimeBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.ring")
	sp := newSpool(path, 256<<20, 2000, slogDiscard)
	defer sp.close()
	spoolStream(sp, 0, 30, 5000) // 1 Mbit/s, 125 kB/s
	first, last := replayAll(t, sp)
	if held := (last - first) * 40; held < 2000 || held > 3000 {
		t.Fatalf("ring holds %d ms (frames %d..%d), want 2 to 3 s", held, first, last)
	}
	if s := ringSize(t, path); s > 2*3*125_000+2*5016 {
		t.Fatalf("ring file is %d bytes for 3 s at 125 kB/s", s)
	}
	// the mark for a request 1.5 s back is the key frame at or before it
	m, _ := sp.markFor((last - 37) * 40)
	if m.time != (last-37)/25*25*40 {
		t.Fatalf("mark for %d ms is at %d", (last-37)*40, m.time)
	}
}

// TestSpoolMemoryFallback: a spool without a file keeps spoolMemory.
func TestSpoolMemoryFallback(t *testing.T) {
	sp := newSpool("", spoolMemory, 60000, slogDiscard)
	spoolStream(sp, 0, 10, 10_000)
	first, last := replayAll(t, sp)
	if last != 249 || (last-first+1)*10_016 > spoolMemory {
		t.Fatalf("memory ring holds %d..%d", first, last)
	}
}

// spoolHeap runs streams spools of seconds at 8 Mbit/s (40 kB frames at
// 25 fps) with a pre-roll of 60 s and returns the heap they hold, per
// stream, while all are full.
func spoolHeap(tb testing.TB, streams, seconds int) (perStream, rssPerStream int64) {
	dir := tb.TempDir()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rss0 := vmRSS(tb)
	sps := make([]*spool, streams)
	for i := range sps {
		sps[i] = newSpool(filepath.Join(dir, fmt.Sprintf("%d.ring", i)), 256<<20, 60000, slogDiscard)
	}
	for s := 0; s < seconds; s++ { // interleaved, as live streams are
		for _, sp := range sps {
			spoolStream(sp, s, 1, 40_000)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	for _, sp := range sps {
		if sp.count() == 0 || sp.warned {
			tb.Fatalf("spool failed or empty")
		}
	}
	perStream = (int64(after.HeapInuse) - int64(before.HeapInuse)) / int64(streams)
	rssPerStream = (vmRSS(tb) - rss0) / int64(streams)
	for _, sp := range sps {
		sp.close()
	}
	return perStream, rssPerStream
}

// vmRSS is the process's resident set in bytes (Linux).
func vmRSS(tb testing.TB) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			var kb int64
			fmt.Sscan(string(v), &kb)
			return kb << 10
		}
	}
	tb.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// TestSpoolHeapBound: the pre-roll costs no memory per second of it:
// 20 streams at 8 Mbit/s hold well under 1 MiB of heap each.
func TestSpoolHeapBound(t *testing.T) {
	per, rss := spoolHeap(t, 20, 8)
	if per > 1<<20 {
		t.Fatalf("%d bytes of heap per stream, over 1 MiB", per)
	}
	// RSS also counts the frame buffer and runtime noise: a loose bound
	// that a pre-roll held in memory (8 s x 1 MB/s) would still break
	if rss > 2<<20 {
		t.Fatalf("RSS grew by %d bytes per stream", rss)
	}
}

// BenchmarkSpoolHeap60s is the figure: 20 streams x 60 s at
// 8 Mbit/s (1.2 GB written under the temp dir); it reports heap per
// stream. go test -run ^$ -bench SpoolHeap60s -benchtime 1x ./record
func BenchmarkSpoolHeap60s(b *testing.B) {
	for b.Loop() {
		heap, rss := spoolHeap(b, 20, 60)
		b.ReportMetric(float64(heap), "heap-B/stream")
		b.ReportMetric(float64(rss), "rss-B/stream")
	}
}

// FuzzReadRing reads arbitrary bytes as a ring in an arbitrary state: it
// must end, with records inside the data or an error, and never panic.
func FuzzReadRing(f *testing.F) {
	sp := newSpool("", 4096, 60000, slogDiscard)
	spoolStream(sp, 0, 2, 40)
	f.Add([]byte(sp.store.(memRing)), sp.w, sp.s, sp.end, sp.wrapped, int64(0))
	f.Add(bytes.Repeat([]byte{0x52, 0x50}, 64), int64(100), int64(20), int64(128), true, int64(20))
	f.Fuzz(func(t *testing.T, data []byte, w, s, end int64, wrapped bool, pos int64) {
		st := ringState{w: w, s: s, end: end, wrapped: wrapped}
		var buf []byte
		n := 0
		_ = readRing(memRing(data), st, int64(len(data)), pos, &buf, func(r *spoolRecord) {
			n++
			if len(r.payload) > len(data) {
				t.Fatalf("record of %d bytes from %d bytes", len(r.payload), len(data))
			}
		})
		if n > len(data)/spoolHeader+1 {
			t.Fatalf("%d records from %d bytes", n, len(data))
		}
	})
}
