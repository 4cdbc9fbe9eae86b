package load

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
)

// StreamReport is what one stream sent.
type StreamReport struct {
	// Name is the published stream name.
	Name string
	// Video and Audio count the media frames sent, Headers the sequence
	// headers; a recording that kept everything holds exactly these.
	Video, Audio, Headers int
	// Bytes is the payload sent, headers included.
	Bytes int64
	// Connect is the time from dialling to the publish command being
	// sent (handshake, connect and createStream round trips).
	Connect time.Duration
	// MaxLag is the latest a real-time frame went out after its due time.
	MaxLag time.Duration
	// Err is why the stream stopped early, if it did.
	Err error
}

func (r *StreamReport) count(f *Frame) {
	r.Bytes += int64(len(f.Payload))
	switch {
	case f.Header:
		r.Headers++
	case f.Type == flv.TagVideo:
		r.Video++
	default:
		r.Audio++
	}
}

// Report is the outcome of Run.
type Report struct {
	Streams []StreamReport
	// Elapsed is the wall time of the whole run.
	Elapsed time.Duration
}

// Frames returns the media frames sent by all streams (headers excluded).
func (r *Report) Frames() int64 {
	var n int64
	for i := range r.Streams {
		n += int64(r.Streams[i].Video + r.Streams[i].Audio)
	}
	return n
}

// Bytes returns the payload bytes sent by all streams.
func (r *Report) Bytes() int64 {
	var n int64
	for i := range r.Streams {
		n += r.Streams[i].Bytes
	}
	return n
}

// Errors returns the errors of the streams that failed.
func (r *Report) Errors() []error {
	var errs []error
	for i := range r.Streams {
		if r.Streams[i].Err != nil {
			errs = append(errs, r.Streams[i].Err)
		}
	}
	return errs
}

// MaxLag returns the largest real-time lag of any stream.
func (r *Report) MaxLag() time.Duration {
	var m time.Duration
	for i := range r.Streams {
		m = max(m, r.Streams[i].MaxLag)
	}
	return m
}

// ConnectPercentile returns the p-th percentile (0 < p <= 100, nearest
// rank) of the connect latencies.
func (r *Report) ConnectPercentile(p float64) time.Duration {
	d := make([]time.Duration, len(r.Streams))
	for i := range r.Streams {
		d[i] = r.Streams[i].Connect
	}
	return Percentile(d, p)
}

// Percentile returns the p-th percentile of d by nearest rank; 0 for none.
func Percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// String summarises the report on a few lines.
func (r *Report) String() string {
	var b strings.Builder
	secs := r.Elapsed.Seconds()
	fmt.Fprintf(&b, "streams %d, failed %d, frames %d, bytes %d (%.1f MB/s), elapsed %.2fs\n",
		len(r.Streams), len(r.Errors()), r.Frames(), r.Bytes(), float64(r.Bytes())/1e6/max(secs, 1e-9), secs)
	fmt.Fprintf(&b, "connect p50 %v p99 %v, max real-time lag %v\n",
		r.ConnectPercentile(50).Round(time.Microsecond), r.ConnectPercentile(99).Round(time.Microsecond), r.MaxLag().Round(time.Microsecond))
	for i, err := range r.Errors() {
		if i == 5 {
			fmt.Fprintf(&b, "... and %d more errors\n", len(r.Errors())-5)
			break
		}
		fmt.Fprintf(&b, "error: %v\n", err)
	}
	return b.String()
}
