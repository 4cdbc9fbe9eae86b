package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/bench/load"
)

// Case is one load shape.
type Case struct {
	// Streams is the number of concurrent publishers.
	Streams int
	// Realtime paces the streams; otherwise they push as fast as possible.
	Realtime bool
	// Loops is the number of clip passes per fast stream.
	Loops int
	// Duration is the media time of each real-time stream.
	Duration time.Duration
	// Escalation cases run only for servers that held every earlier
	// real-time case (all files complete, the load generator on time).
	Escalation bool
}

// String names the case in tables and logs.
func (c Case) String() string {
	if c.Realtime {
		return fmt.Sprintf("real time N=%d (%v)", c.Streams, c.Duration)
	}
	return fmt.Sprintf("fast N=%d (%d× clip)", c.Streams, c.Loops)
}

// ServerSpec names a server and how to start it.
type ServerSpec struct {
	Name  string
	Start StartFunc
	// Format is the record format its files are in (a Formats key);
	// "" is FLV.
	Format string
}

// Options configures Run.
type Options struct {
	// Clip is what every stream publishes.
	Clip *load.Clip
	// Servers are compared in alternating order, run by run.
	Servers []ServerSpec
	Cases   []Case
	// Runs per case and server; medians are reported. Default 3.
	Runs int
	// WorkDir holds one fresh directory per run (config, logs, record
	// directory); recordings are deleted after they are checked, and the
	// run directory too unless the run found a problem.
	WorkDir string
	// MaxLag is the real-time lag of the load generator beyond which a
	// case no longer holds (the generator, not the server, is behind).
	// Default 1s.
	MaxLag time.Duration
	// Ramp spreads the starts of real-time streams over this time, as
	// encoders do not all start in the same millisecond (their key frames
	// would arrive together).
	Ramp time.Duration
	// Log receives one line per run.
	Log io.Writer
}

// Result is every run of one case on one server.
type Result struct {
	Case    Case
	Server  string
	Samples []Sample
	// Skipped says why the case did not run for this server.
	Skipped string
}

// Run measures every case on every server. A server that fails to start
// fails the run; incomplete recordings are results, not errors.
func Run(ctx context.Context, o Options) ([]*Result, error) {
	if o.Runs <= 0 {
		o.Runs = 3
	}
	if o.MaxLag <= 0 {
		o.MaxLag = time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	held := map[string]bool{}
	for _, s := range o.Servers {
		held[s.Name] = true
	}
	var results []*Result
	for _, c := range o.Cases {
		rs, err := runCase(ctx, &o, c, held)
		results = append(results, rs...)
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// runCase runs one case o.Runs times on every server that may try it, in
// alternating order, and updates held after a real-time case.
func runCase(ctx context.Context, o *Options, c Case, held map[string]bool) ([]*Result, error) {
	var results []*Result
	for _, s := range o.Servers {
		r := &Result{Case: c, Server: s.Name}
		if c.Escalation && !held[s.Name] {
			r.Skipped = "an earlier real-time case did not hold"
		}
		results = append(results, r)
	}
	for run := 0; run < o.Runs; run++ {
		for i := range o.Servers {
			// Alternate the order so that drift on a noisy machine
			// (thermal, page cache, neighbours) hits both servers alike.
			k := (i + run) % len(o.Servers)
			s, r := o.Servers[k], results[k]
			if r.Skipped != "" {
				continue
			}
			smp, err := runOnce(ctx, o, c, s)
			if err != nil {
				return results, err
			}
			fmt.Fprintf(o.Log, "%-22s %-10s run %d: %s\n", c, s.Name, run+1, smp.summary())
			r.Samples = append(r.Samples, smp)
		}
	}
	if c.Realtime {
		for _, r := range results {
			held[r.Server] = held[r.Server] && r.Skipped == "" && r.held(o.MaxLag)
		}
	}
	return results, nil
}

// held reports whether every run recorded everything on time.
func (r *Result) held(maxLag time.Duration) bool {
	for _, s := range r.Samples {
		if s.Check.Complete != s.Streams || s.Errors > 0 || s.MaxLag > maxLag {
			return false
		}
	}
	return len(r.Samples) > 0
}

// runOnce starts a server in a fresh directory, puts the case's load on
// it, measures it and checks the recordings.
func runOnce(ctx context.Context, o *Options, c Case, spec ServerSpec) (Sample, error) {
	smp := Sample{Streams: c.Streams}
	runDir, err := os.MkdirTemp(o.WorkDir, "run-")
	if err != nil {
		return smp, fmt.Errorf("bench: %w", err)
	}
	recDir := filepath.Join(runDir, "record")
	if err := os.Mkdir(recDir, 0o755); err != nil {
		return smp, fmt.Errorf("bench: %w", err)
	}
	// Start every run without the previous run's dirty pages in flight.
	syscall.Sync()
	startCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	srv, err := spec.Start(startCtx, recDir, runDir)
	cancel()
	if err != nil {
		return smp, fmt.Errorf("bench: start %s: %w", spec.Name, err)
	}
	defer srv.Stop()
	if err := measure(ctx, o, c, srv, recDir, &smp); err != nil {
		return smp, err
	}
	if err := srv.Stop(); err != nil {
		smp.StopErr = err.Error()
	}
	if smp.Check, err = CheckRecordings(recDir, smp.report, len(o.Clip.Headers), spec.Format); err != nil {
		return smp, err
	}
	smp.report = nil
	os.RemoveAll(recDir)
	if smp.Check.Complete == c.Streams && smp.StopErr == "" {
		os.RemoveAll(runDir)
	} else {
		smp.KeptDir = runDir
	}
	return smp, nil
}

// measure samples the server, runs the load, waits until the server has
// finished writing, and samples again.
func measure(ctx context.Context, o *Options, c Case, srv Server, recDir string, smp *Sample) error {
	pids, err := srv.PIDs()
	if err != nil {
		return err
	}
	before, err := SumUsage(pids)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := load.Run(ctx, load.Config{
		URL:     "rtmp://" + srv.Addr() + "/" + App + "/bench",
		Streams: c.Streams, Clip: o.Clip, Realtime: c.Realtime, Loops: c.Loops, Duration: c.Duration,
		Ramp: map[bool]time.Duration{true: o.Ramp}[c.Realtime],
	})
	if err != nil {
		return err
	}
	last, err := waitQuiet(ctx, pids, recDir)
	if err != nil {
		return err
	}
	after, err := SumUsage(pids)
	if err != nil {
		return fmt.Errorf("bench: server died during the run? %w", err)
	}
	smp.setLoad(rep)
	smp.CPU, smp.BaseRSS, smp.HWM = after.CPU-before.CPU, before.RSS, after.HWM
	smp.Wall, smp.Active = last.Sub(start), last.Sub(start)
	if c.Realtime {
		smp.Active = c.Duration
	}
	return nil
}

// waitQuiet polls until the server's CPU time and the size of the record
// directory have not changed for a while (the server has written and
// closed everything it was sent), and returns when they last changed.
func waitQuiet(ctx context.Context, pids []int, dir string) (time.Time, error) {
	const poll, quiet, limit = 50 * time.Millisecond, 300 * time.Millisecond, 60 * time.Second
	var lastCPU time.Duration
	var lastSize int64 = -1
	lastChange, deadline := time.Now(), time.Now().Add(limit)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		u, err := SumUsage(pids)
		if err != nil {
			return lastChange, fmt.Errorf("bench: server died during the run? %w", err)
		}
		size := dirSize(dir)
		if u.CPU != lastCPU || size != lastSize {
			lastCPU, lastSize, lastChange = u.CPU, size, time.Now()
		}
		if time.Since(lastChange) >= quiet || time.Now().After(deadline) {
			return lastChange, nil
		}
		select {
		case <-ctx.Done():
			return lastChange, ctx.Err()
		case <-tick.C:
		}
	}
}

func dirSize(dir string) int64 {
	entries, _ := os.ReadDir(dir)
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			n += info.Size()
		}
	}
	return n
}
