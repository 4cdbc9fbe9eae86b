package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// defaultConfig is where packages install the configuration.
const defaultConfig = "/etc/rtmprecd/rtmprecd.conf"

// options are the command-line flags, named as nginx's where nginx has one.
type options struct {
	config  string // -c FILE
	test    bool   // -t: load the configuration and exit
	dump    bool   // -T: print the canonical configuration and exit
	version bool   // -v
	signal  string // -s reload|stop|quit|reopen: signal the running daemon
}

// errUsage marks -h: print the usage and exit successfully.
var errUsage = errors.New("usage")

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("rtmprecd", flag.ContinueOnError)
	// flag's own messages span several lines; run prints one line instead
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.config, "c", defaultConfig, "configuration `file`")
	fs.BoolVar(&o.test, "t", false, "test the configuration and exit")
	fs.BoolVar(&o.dump, "T", false, "test the configuration, print it in canonical form and exit")
	fs.BoolVar(&o.version, "v", false, "print the version and exit")
	fs.StringVar(&o.signal, "s", "", "send `signal` to the running daemon: reload, stop, quit or reopen")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintln(stderr, "usage: rtmprecd [-c file] [-t | -T | -v | -s signal]")
			fs.PrintDefaults()
			return o, errUsage
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.signal != "" {
		if _, ok := controlSignals[o.signal]; !ok {
			return o, fmt.Errorf("invalid option: \"-s %s\" (want reload, stop, quit or reopen)", o.signal)
		}
		if o.test || o.dump {
			return o, errors.New("-s cannot be combined with -t or -T")
		}
	}
	return o, nil
}
