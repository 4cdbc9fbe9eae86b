// Command rtmpbench is rtmprecd's load generator and benchmark runner.
//
//	rtmpbench push [flags] CLIP.flv      publish N streams of an FLV file
//	rtmpbench compare [flags]            rtmprecd vs nginx-rtmp side by side (make bench)
//
// push connects only to the URL given; compare runs both servers on
// 127.0.0.1 with fresh record directories and prints and writes a table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  rtmpbench push [flags] CLIP.flv   publish N streams of an FLV file to -url
  rtmpbench compare [flags]         benchmark rtmprecd against nginx-rtmp (make bench)
run "rtmpbench push -h" or "rtmpbench compare -h" for the flags`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the exit code: 0 success, 1 a
// failed run (stream errors, incomplete recordings), 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "push":
		err = push(ctx, args[1:], stdout, stderr)
	case "compare":
		err = compare(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "rtmpbench: unknown command %q\n%s\n", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "rtmpbench %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "rtmpbench %s: %v\n", args[0], err)
		return 1
	}
}

// errUsage marks a command line that cannot run.
var errUsage = errors.New("usage")

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}
