// Package bench runs rtmprecd and nginx-rtmp side by side under the same
// RTMP load (internal/bench/load) on 127.0.0.1 and measures each server
// from outside: CPU time and memory from /proc, bytes recorded and whether
// every recording holds every frame sent, read back with our strict FLV
// reader. It backs `make bench` (cmd/rtmpbench compare) and never runs in
// CI.
package bench
