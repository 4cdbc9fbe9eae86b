package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/bench/load"
)

// push publishes N streams of a clip and prints what was sent.
func push(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "target `rtmp://HOST:PORT/APP/NAME`; stream i publishes NAME-i (required)")
	n := fs.Int("n", 1, "concurrent streams")
	realtime := fs.Bool("realtime", false, "pace frames by their timestamps (default: as fast as possible)")
	loops := fs.Int("loops", 0, "passes over the clip per stream (0: until -duration)")
	duration := fs.Duration("duration", 0, "stop each stream after this much media (real time) or wall time (fast)")
	chunk := fs.Uint("chunk", load.DefaultChunkSize, "outgoing RTMP chunk size")
	timeout := fs.Duration("timeout", load.DefaultTimeout, "limit for each stream's connect sequence")
	ramp := fs.Duration("ramp", 0, "spread the stream starts over this time")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: rtmpbench push -url rtmp://127.0.0.1:1935/live/bench [flags] CLIP.flv")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *url == "" {
		fs.Usage()
		return usageErr("need -url and one clip")
	}
	if *loops == 0 && *duration == 0 {
		return usageErr("need -loops or -duration")
	}
	clip, err := load.ReadClip(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "clip %s: %d video + %d audio frames, %.1f MB, %.1f s per pass\n",
		fs.Arg(0), clip.Video, clip.Audio, float64(clip.Bytes)/1e6, float64(clip.Period)/1000)
	rep, err := load.Run(ctx, load.Config{
		URL: *url, Streams: *n, Clip: clip, Realtime: *realtime, Loops: *loops, Duration: *duration,
		ChunkSize: uint32(*chunk), Timeout: *timeout, Ramp: *ramp,
	})
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep)
	if errs := rep.Errors(); len(errs) > 0 {
		return fmt.Errorf("%d of %d streams failed", len(errs), *n)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted after %v", rep.Elapsed.Round(time.Millisecond))
	}
	return nil
}
