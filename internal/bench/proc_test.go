package bench

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestReadUsageSelf samples the test process, burns CPU and allocates
// memory, and checks that the second sample shows both.
func TestReadUsageSelf(t *testing.T) {
	before, err := ReadUsage(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if before.RSS <= 0 || before.HWM < before.RSS {
		t.Fatalf("RSS %d HWM %d: want a positive RSS and HWM >= RSS", before.RSS, before.HWM)
	}
	// Burn CPU until /proc shows it, with a deadline.
	deadline := time.Now().Add(10 * time.Second)
	var after Usage
	x := uint64(1)
	for after.CPU < before.CPU+50*time.Millisecond {
		for i := 0; i < 1e6; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		if after, err = ReadUsage(os.Getpid()); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("CPU went from %v to %v after 10 s of spinning", before.CPU, after.CPU)
		}
	}
	// Map and touch 64 MiB outside Go's heap (which may hold freed pages
	// from an earlier run): RSS must grow by about that, and the peak with it.
	mem, err := unix.Mmap(-1, 0, 64<<20, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	for i := 0; i < len(mem); i += 4096 {
		mem[i] = byte(x | 1)
	}
	touched, err := ReadUsage(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if grown := touched.RSS - after.RSS; grown < 48<<20 || touched.HWM < touched.RSS {
		t.Errorf("RSS grew by %d bytes after touching 64 MiB; HWM %d, RSS %d", grown, touched.HWM, touched.RSS)
	}
}

func TestParseStatCPU(t *testing.T) {
	ticks := time.Second / time.Duration(clockTicks())
	tests := []struct {
		name, stat string
		want       time.Duration
		err        bool
	}{
		{"plain", "42 (nginx) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 2 1 20 0 1 0 100 1000 200", 13 * ticks, false},
		{"odd name", "42 (a) b (c)) R 1 42 42 0 -1 0 0 0 0 0 10 0 0 0 20 0 1 0", 10 * ticks, false},
		{"short", "42 (x) S 1 2 3", 0, true},
		{"no name", "42 x S", 0, true},
		{"bad number", "42 (x) S 1 42 42 0 -1 0 0 0 0 0 x 0 0 0 20", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tc.stat))
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("parseStatCPU = %v, %v; want %v, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestSumUsage(t *testing.T) {
	one, err := SumUsage([]int{os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	two, err := SumUsage([]int{os.Getpid(), os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	if two.HWM < 2*one.HWM-1<<20 {
		t.Errorf("sum of the same process twice: HWM %d, want about 2 × %d", two.HWM, one.HWM)
	}
	if _, err := SumUsage([]int{1 << 30}); err == nil {
		t.Error("SumUsage of a missing process succeeded")
	}
}
