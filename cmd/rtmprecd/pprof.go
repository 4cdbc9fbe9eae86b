//go:build pprof

package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

// A binary built with -tags pprof serves net/http/pprof on the address in
// RTMPRECD_PPROF (for example 127.0.0.1:6060), for profiling under load
// (see README, Performance). Release builds carry no profiler.
func init() {
	addr := os.Getenv("RTMPRECD_PPROF")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof listener", "addr", addr, "err", err)
		}
	}()
}
