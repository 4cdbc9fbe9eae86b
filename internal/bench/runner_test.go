package bench

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/bench/benchtest"
	"github.com/rtmprecd/rtmprecd/internal/bench/load"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// inProc is our server run inside the test process: its /proc figures are
// the test's own, which is enough to exercise the runner.
type inProc struct{ *benchtest.Server }

func (s inProc) PIDs() ([]int, error) { return []int{os.Getpid()}, nil }

// startInProc returns a StartFunc for an in-process server; lossy ones
// record somewhere else, so the runner finds no recordings.
func startInProc(lossy bool) StartFunc {
	return func(ctx context.Context, recordDir, workDir string) (Server, error) {
		if lossy {
			recordDir = workDir
		}
		s, err := benchtest.Start(recordDir)
		if err != nil {
			return nil, err
		}
		return inProc{s}, nil
	}
}

// TestRunSideBySide runs a fast and a real-time case on a good and a lossy
// server, then an escalation that only the good one may try.
func TestRunSideBySide(t *testing.T) {
	clip, err := load.ReadClip(testmedia.Clip(t))
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	results, err := Run(context.Background(), Options{
		Clip:    clip,
		Servers: []ServerSpec{{Name: RTMPRecd, Start: startInProc(false)}, {Name: Nginx, Start: startInProc(true)}},
		Cases: []Case{
			{Streams: 2, Loops: 2},
			{Streams: 2, Realtime: true, Duration: 500 * time.Millisecond},
			{Streams: 1, Realtime: true, Duration: 200 * time.Millisecond, Escalation: true},
		},
		Runs:    1,
		WorkDir: t.TempDir(),
		Log:     &log,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(results) != 6 {
		t.Fatalf("%d results, want 6", len(results))
	}
	for _, r := range results {
		switch {
		case r.Server == Nginx && r.Case.Escalation:
			if r.Skipped == "" || len(r.Samples) != 0 {
				t.Errorf("lossy server ran the escalation: %+v", r)
			}
		case r.Server == Nginx:
			if s := r.Samples[0]; s.Check.Complete != 0 || s.Check.Problems[0] != "bench-1: no recording" || s.KeptDir == "" {
				t.Errorf("%s on the lossy server: %+v", r.Case, s.Check)
			}
		default:
			s := r.Samples[0]
			if s.Check.Complete != r.Case.Streams || s.CPU < 0 || s.Check.Bytes <= 0 || s.HWM <= 0 || s.Wall <= 0 || s.KeptDir != "" {
				t.Errorf("%s: %+v", r.Case, s)
			}
		}
	}
	var md, text bytes.Buffer
	WriteMarkdown(&md, Environment{Date: time.Now(), Machine: Machine("/"), Runs: 1}, results)
	WriteText(&text, results)
	for _, want := range []string{"| fast N=2 (2× clip) | rtmprecd |", "| yes 2/2 |", "| 0/2 |", "skipped: ", "Ratios", "CPU/GB"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if !strings.Contains(text.String(), "real time N=2 (500ms)") {
		t.Errorf("text table:\n%s", text.String())
	}
}

func TestMedian(t *testing.T) {
	f := func(s *Sample) float64 { return s.CPU.Seconds() }
	mk := func(secs ...float64) []Sample {
		var out []Sample
		for _, s := range secs {
			out = append(out, Sample{CPU: time.Duration(s * float64(time.Second))})
		}
		return out
	}
	for _, tc := range []struct {
		in   []Sample
		want float64
	}{{nil, 0}, {mk(3), 3}, {mk(5, 1, 3), 3}, {mk(4, 1, 3, 2), 2.5}} {
		if got := median(tc.in, f); got != tc.want {
			t.Errorf("median = %v, want %v", got, tc.want)
		}
	}
}
