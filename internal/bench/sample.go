package bench

import (
	"fmt"
	"slices"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/bench/load"
)

// Sample is one run of one case on one server.
type Sample struct {
	Streams int
	// CPU is the server's user+system time during the run (all its
	// processes, children included).
	CPU time.Duration
	// BaseRSS is the resident memory before the load, HWM the peak at the
	// end (VmHWM), both summed over the server's processes.
	BaseRSS, HWM int64
	// Wall is from the first connect until the server stopped working.
	Wall time.Duration
	// Active is how long each stream published: the media duration of a
	// real-time case (starts are spread, so Wall is longer), Wall otherwise.
	Active time.Duration
	// From the load generator.
	Frames, SentBytes      int64
	Errors                 int
	ConnectP50, ConnectP99 time.Duration
	MaxLag                 time.Duration
	Check                  Completeness
	StopErr                string
	KeptDir                string // run directory kept for inspection
	report                 *load.Report
}

func (s *Sample) setLoad(rep *load.Report) {
	s.report = rep
	s.Frames, s.SentBytes, s.Errors = rep.Frames(), rep.Bytes(), len(rep.Errors())
	s.ConnectP50, s.ConnectP99, s.MaxLag = rep.ConnectPercentile(50), rep.ConnectPercentile(99), rep.MaxLag()
}

// CPUPerGB is CPU seconds per 10^9 bytes recorded.
func (s *Sample) CPUPerGB() float64 {
	if s.Check.Bytes == 0 {
		return 0
	}
	return s.CPU.Seconds() / (float64(s.Check.Bytes) / 1e9)
}

// CPUPerGBSent is CPU seconds per 10^9 bytes the publishers sent: the
// same base for every server and format (an MP4's reserved moov room
// would flatter CPUPerGB).
func (s *Sample) CPUPerGBSent() float64 {
	if s.SentBytes == 0 {
		return 0
	}
	return s.CPU.Seconds() / (float64(s.SentBytes) / 1e9)
}

// CorePerStream is the share of one core (percent) each stream cost
// while it published.
func (s *Sample) CorePerStream() float64 {
	if s.Active <= 0 || s.Streams == 0 {
		return 0
	}
	return 100 * s.CPU.Seconds() / s.Active.Seconds() / float64(s.Streams)
}

// RSSPerStream is the growth of resident memory per stream, bytes.
func (s *Sample) RSSPerStream() float64 {
	return float64(s.HWM-s.BaseRSS) / float64(max(s.Streams, 1))
}

// DiskRate is bytes recorded per second of the run.
func (s *Sample) DiskRate() float64 {
	if s.Wall <= 0 {
		return 0
	}
	return float64(s.Check.Bytes) / s.Wall.Seconds()
}

func (s *Sample) summary() string {
	line := fmt.Sprintf("cpu %.2fs (%.2f s/GB), peak rss %.1f MiB, %.1f MB in %.1fs, complete %d/%d, errors %d, lag %v",
		s.CPU.Seconds(), s.CPUPerGB(), float64(s.HWM)/(1<<20), float64(s.Check.Bytes)/1e6, s.Wall.Seconds(),
		s.Check.Complete, s.Streams, s.Errors, s.MaxLag.Round(time.Millisecond))
	for _, p := range s.Check.Problems {
		line += "\n    " + p
	}
	if s.StopErr != "" {
		line += "\n    stop: " + s.StopErr
	}
	if s.KeptDir != "" {
		line += "\n    logs kept in " + s.KeptDir
	}
	return line
}

// median returns the median of f over the samples (the mean of the two
// middle values for an even count); 0 for none.
func median(samples []Sample, f func(*Sample) float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	v := make([]float64, len(samples))
	for i := range samples {
		v[i] = f(&samples[i])
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
