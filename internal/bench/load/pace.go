package load

import (
	"context"
	"time"
)

// Clock is the time source of real-time pacing; tests inject a fake one.
type Clock interface {
	Now() time.Time
	// SleepUntil blocks until t or until ctx ends, and returns ctx's error
	// in the latter case.
	SleepUntil(ctx context.Context, t time.Time) error
}

// SystemClock is the real Clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// SleepUntil sleeps on a timer until t. Timers are cheap since Go 1.23 (an
// unstopped one is collected), so one per wait keeps this stateless.
func (SystemClock) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// slack lets a real-time stream send a frame that is due within this time
// now, so frames due together (audio next to video) share one wake-up.
const slack = 2 * time.Millisecond

// pacer sends a Clip's frames to one stream, in real time or at once,
// looping with continuous timestamps.
type pacer struct {
	clip     *Clip
	clock    Clock
	realtime bool
	loops    int           // passes to send; 0 = until duration or ctx
	duration time.Duration // media time (real time) or wall time (fast); 0 = no limit
	send     func(f *Frame, ts uint32) error
	maxLag   time.Duration // latest a real-time frame went out after its due time
}

// run sends the headers at time 0, then the frames until a limit is met.
// It returns nil when a limit (loops or duration) ended the stream, and
// ctx's error when ctx ended it.
func (p *pacer) run(ctx context.Context) error {
	start := p.clock.Now()
	for i := range p.clip.Headers {
		if err := p.send(&p.clip.Headers[i], 0); err != nil {
			return err
		}
	}
	var base uint64
	for loop := 0; p.loops == 0 || loop < p.loops; loop++ {
		for i := range p.clip.Frames {
			f := &p.clip.Frames[i]
			ts := base + uint64(f.Time)
			stop, err := p.wait(ctx, start, ts)
			if stop || err != nil {
				return err
			}
			if err := p.send(f, uint32(ts)); err != nil {
				return err
			}
		}
		base += uint64(p.clip.Period)
	}
	return nil
}

// wait blocks until the frame at media time ts is due and reports whether
// the duration limit has been reached instead.
func (p *pacer) wait(ctx context.Context, start time.Time, ts uint64) (stop bool, err error) {
	if err := ctx.Err(); err != nil {
		return true, err
	}
	at := time.Duration(ts) * time.Millisecond
	if !p.realtime {
		return p.duration > 0 && p.clock.Now().Sub(start) >= p.duration, nil
	}
	if p.duration > 0 && at >= p.duration {
		return true, nil
	}
	due := start.Add(at)
	now := p.clock.Now()
	if wait := due.Sub(now); wait > slack {
		if err := p.clock.SleepUntil(ctx, due); err != nil {
			return true, err
		}
		now = p.clock.Now()
	}
	p.maxLag = max(p.maxLag, now.Sub(due))
	return false, nil
}
