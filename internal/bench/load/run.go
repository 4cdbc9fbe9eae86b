package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Defaults for Config.
const (
	DefaultChunkSize = 4096
	DefaultTimeout   = 10 * time.Second
)

// Config describes one load run.
type Config struct {
	// URL is rtmp://HOST[:PORT]/APP/NAME; stream i (from 1) publishes
	// NAME-i. Nothing but HOST:PORT is ever dialled.
	URL string
	// Streams is the number of concurrent publishers (at least 1).
	Streams int
	// Clip is what each stream sends.
	Clip *Clip
	// Realtime paces frames by their timestamps; otherwise they are sent
	// as fast as the server reads them.
	Realtime bool
	// Loops is the number of passes over the clip per stream; 0 means
	// until Duration or the context ends.
	Loops int
	// Duration bounds each stream: media time in real time (so the frames
	// sent do not depend on scheduling), wall time otherwise. 0 = no bound.
	Duration time.Duration
	// ChunkSize is the outgoing chunk size (DefaultChunkSize when 0). At
	// go-rtmp's default of 128 it would write one syscall per chunk.
	ChunkSize uint32
	// Timeout bounds the connect sequence of each stream (DefaultTimeout
	// when 0).
	Timeout time.Duration
	// Ramp spreads the stream starts evenly over this time, so real-time
	// streams do not send their key frames in the same instant.
	Ramp time.Duration
	// Clock paces real-time streams (SystemClock when nil).
	Clock Clock
}

// StreamName returns the name stream i (from 1) publishes.
func (c *Config) StreamName(i int) (string, error) {
	t, err := parseTarget(c.URL)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%d", t.name, i), nil
}

// quietGoRTMP silences go-rtmp's logging through logrus's global logger
// (it logs every chunk-size change at info level).
var quietGoRTMP sync.Once

// Run publishes the configured streams concurrently and returns what each
// sent. Streams that fail are reported in their StreamReport.Err and do not
// stop the others; the error is for an unusable Config. When ctx ends the
// streams stop and their reports keep what was sent until then.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	t, err := parseTarget(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Streams < 1 || cfg.Clip == nil {
		return nil, errors.New("load: need a clip and at least one stream")
	}
	if cfg.Loops == 0 && cfg.Duration == 0 && ctx.Done() == nil {
		return nil, errors.New("load: need Loops, Duration or a context that ends")
	}
	if cfg.ChunkSize == 0 {
		cfg.ChunkSize = DefaultChunkSize
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	quietGoRTMP.Do(func() { logrus.SetOutput(io.Discard) })
	rep := &Report{Streams: make([]StreamReport, cfg.Streams)}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range rep.Streams {
		rep.Streams[i].Name = fmt.Sprintf("%s-%d", t.name, i+1)
		delay := cfg.Ramp * time.Duration(i) / time.Duration(cfg.Streams)
		wg.Go(func() { stream(ctx, &cfg, t, delay, &rep.Streams[i]) })
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// stream runs one publisher from connect to close and fills r.
func stream(ctx context.Context, cfg *Config, t target, delay time.Duration, r *StreamReport) {
	if delay > 0 {
		if err := cfg.Clock.SleepUntil(ctx, cfg.Clock.Now().Add(delay)); err != nil {
			r.Err = err
			return
		}
	}
	began := time.Now()
	p, err := dial(ctx, t, r.Name, cfg.ChunkSize, cfg.Timeout)
	r.Connect = time.Since(began)
	if err != nil {
		r.Err = err
		return
	}
	pc := pacer{clip: cfg.Clip, clock: cfg.Clock, realtime: cfg.Realtime, loops: cfg.Loops, duration: cfg.Duration}
	pc.send = func(f *Frame, ts uint32) error {
		if err := p.send(f, ts); err != nil {
			return fmt.Errorf("publish %s: write at %d ms: %w", r.Name, ts, err)
		}
		r.count(f)
		return nil
	}
	if cfg.Clip.Meta != nil {
		err = p.meta(cfg.Clip.Meta)
	}
	if err == nil {
		err = pc.run(ctx)
		r.MaxLag = pc.maxLag
	}
	if cerr := p.close(cfg.Timeout); err == nil && cerr != nil {
		err = fmt.Errorf("publish %s: close: %w", r.Name, cerr)
	}
	// A context that ends the run is how an unbounded run stops, not a
	// failure of the stream. go-rtmp's own 5-second write timeout is a
	// DeadlineExceeded too, so ask ctx, not the error.
	if err != nil && ctx.Err() == nil {
		r.Err = err
	}
}
