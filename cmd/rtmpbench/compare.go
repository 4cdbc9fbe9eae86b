package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/bench"
	"github.com/rtmprecd/rtmprecd/internal/bench/load"
	"github.com/rtmprecd/rtmprecd/internal/nginxrtmp"
)

// compareFlags are compare's options.
type compareFlags struct {
	binary, clip, mkclip, out, work string
	formats                         string
	runs                            int
	fast, realtime, escalate        string
	fastMB                          int
	rtDuration, ramp, maxLag        time.Duration
	quick, noNginx                  bool
}

func (f *compareFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.binary, "bin", "bin/rtmprecd", "rtmprecd `binary` (make build)")
	fs.StringVar(&f.clip, "clip", "bench/clip-720p-60s.flv", "benchmark clip, made with -mkclip when missing")
	fs.StringVar(&f.mkclip, "mkclip", "testdata/mkbenchclip.sh", "`script` that makes the clip")
	fs.StringVar(&f.out, "out", "bench/results.md", "Markdown results `file`")
	fs.StringVar(&f.work, "work", "bench/work", "`directory` for the runs (emptied run by run)")
	fs.IntVar(&f.runs, "runs", 3, "runs per case and server (medians are reported)")
	fs.StringVar(&f.fast, "fast", "1,10,50,100", "stream counts of the fast-push cases (empty: none)")
	fs.IntVar(&f.fastMB, "fast-mb", 1000, "MB each fast-push run sends at least (whole clip passes)")
	fs.StringVar(&f.realtime, "realtime", "10,100,300", "stream counts of the real-time cases (empty: none)")
	fs.StringVar(&f.escalate, "escalate", "500,700,1000,1500,2000", "larger real-time counts, each tried while the server held every earlier one")
	fs.DurationVar(&f.rtDuration, "rt-duration", 30*time.Second, "length of each real-time case")
	fs.DurationVar(&f.ramp, "ramp", 2*time.Second, "spread the starts of real-time streams over this time")
	fs.DurationVar(&f.maxLag, "max-lag", time.Second, "real-time lag of the load generator beyond which a case did not hold")
	fs.BoolVar(&f.quick, "quick", false, "quick check: fast N=1,10 with -fast-mb 200, real time N=10 for 10s, no escalation")
	fs.BoolVar(&f.noNginx, "no-nginx", false, "measure rtmprecd alone")
	fs.StringVar(&f.formats, "formats", "flv,mp4,fmp4,hls,hls-ts", "rtmprecd record formats to measure, each as its own server (flv is always the ratios' base): "+bench.FormatNames()+"; hls has fMP4 segments, hls-ts MPEG-TS ones")
}

// compare runs the side-by-side benchmark.
func compare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f compareFlags
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if f.quick {
		f.fast, f.fastMB, f.realtime, f.escalate, f.rtDuration = "1,10", 200, "10", "", 10*time.Second
	}
	for name, list := range map[string]string{"fast": f.fast, "realtime": f.realtime, "escalate": f.escalate} {
		if _, err := counts(name, list); err != nil {
			return err // before spending a minute on the clip
		}
	}
	if _, err := formats(f.formats); err != nil {
		return err
	}
	clip, err := ensureClip(ctx, f.clip, f.mkclip, stdout)
	if err != nil {
		return err
	}
	cases, err := f.cases(clip)
	if err != nil {
		return err
	}
	servers, notes, err := f.servers(stdout)
	if err != nil {
		return err
	}
	work, err := filepath.Abs(f.work)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d cases × %d servers × %d runs; work in %s\n", len(cases), len(servers), f.runs, work)
	results, err := bench.Run(ctx, bench.Options{Clip: clip, Servers: servers, Cases: cases, Runs: f.runs, WorkDir: work, Ramp: f.ramp, MaxLag: f.maxLag, Log: stdout})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	bench.WriteText(stdout, results)
	env := bench.Environment{
		Date: time.Now(), Command: "rtmpbench compare " + strings.Join(args, " "), Machine: bench.Machine(work),
		Clip: fmt.Sprintf("%s (made by %s): %d video + %d audio frames, %.1f MB per %.1f s pass",
			filepath.Base(f.clip), f.mkclip, clip.Video, clip.Audio, float64(clip.Bytes)/1e6, float64(clip.Period)/1000),
		Runs: f.runs, Notes: append(notes, versions(f.binary)...),
	}
	if err := writeResults(f.out, env, results); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", f.out)
	return nil
}

// cases builds the case list: fast pushes sized to send at least fastMB
// per run, then the real-time counts, then the escalation.
func (f *compareFlags) cases(clip *load.Clip) ([]bench.Case, error) {
	var cases []bench.Case
	fast, err := counts("fast", f.fast)
	if err != nil {
		return nil, err
	}
	for _, n := range fast {
		per := int64(n) * clip.Bytes
		loops := int((int64(f.fastMB)*1e6 + per - 1) / per)
		cases = append(cases, bench.Case{Streams: n, Loops: max(loops, 1)})
	}
	for i, list := range []string{f.realtime, f.escalate} {
		rt, err := counts("realtime", list)
		if err != nil {
			return nil, err
		}
		for _, n := range rt {
			cases = append(cases, bench.Case{Streams: n, Realtime: true, Duration: f.rtDuration, Escalation: i == 1})
		}
	}
	if len(cases) == 0 {
		return nil, usageErr("no cases")
	}
	return cases, nil
}

func counts(name, list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, usageErr("-%s: %q is not a stream count", name, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// formats parses -formats: names of bench.Formats, without repeats.
func formats(list string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if _, ok := bench.Formats[s]; !ok {
			return nil, usageErr("-formats: %q is not a record format the benchmark reads (%s)", s, bench.FormatNames())
		}
		if slices.Contains(out, s) {
			return nil, usageErr("-formats: %q twice", s)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, usageErr("-formats: none")
	}
	return out, nil
}

// servers lists rtmprecd in each format and, when installed, nginx-rtmp.
func (f *compareFlags) servers(stdout io.Writer) ([]bench.ServerSpec, []string, error) {
	bin, err := filepath.Abs(f.binary)
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, nil, fmt.Errorf("rtmprecd binary: %w (run make build)", err)
	}
	fmts, err := formats(f.formats)
	if err != nil {
		return nil, nil, err
	}
	var specs []bench.ServerSpec
	for _, format := range fmts {
		specs = append(specs, bench.ServerSpec{Name: bench.ServerName(format), Start: bench.RTMPRecdStarter(bin, format), Format: format})
	}
	var notes []string
	switch err := nginxrtmp.Available(); {
	case f.noNginx:
		notes = append(notes, "nginx-rtmp not measured (-no-nginx)")
	case err != nil:
		// err already says how to install it (nginxrtmp.InstallHint).
		fmt.Fprintf(stdout, "skipping nginx-rtmp: %v\n", err)
		notes = append(notes, "nginx-rtmp not measured: "+err.Error())
	default:
		specs = append(specs, bench.ServerSpec{Name: bench.Nginx, Start: bench.StartNginx})
	}
	return specs, notes, nil
}

// ensureClip reads the clip, making it first with the script if missing.
func ensureClip(ctx context.Context, path, script string, stdout io.Writer) (*load.Clip, error) {
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(stdout, "making %s with %s (about a minute)...\n", path, script)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, "sh", script, path)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%s: %w: %s", script, err, out.Bytes())
		}
	}
	return load.ReadClip(path)
}

// versions reports the versions of the servers compared.
func versions(binary string) []string {
	var notes []string
	if out, err := exec.Command(binary, "-v").CombinedOutput(); err == nil {
		notes = append(notes, "rtmprecd: "+strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("nginx", "-v").CombinedOutput(); err == nil {
		notes = append(notes, strings.TrimSpace(string(out))+" with libnginx-mod-rtmp, one worker, `record all;`")
	}
	return notes
}

func writeResults(path string, env bench.Environment, results []*bench.Result) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var b bytes.Buffer
	bench.WriteMarkdown(&b, env, results)
	return os.WriteFile(path, b.Bytes(), 0o644)
}
