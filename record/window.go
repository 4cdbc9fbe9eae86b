package record

import (
	"time"

	"github.com/rtmprecd/rtmprecd/media"
)

// alignedEnd is when a file opened at now ends under
// record_interval_align: the next multiple of record_interval in the
// recorder's wall-clock time. Zero without alignment.
func (n *node) alignedEnd(now time.Time) time.Time {
	rec := n.rec
	if !rec.IntervalAlign || !rec.IntervalSet || rec.Interval <= 0 {
		return time.Time{}
	}
	return nextBoundary(now, rec.Interval, rec.Zone())
}

// intervalDue reports whether record_interval ends the open file at a
// break frame: once the aligned boundary is reached, or once the
// interval has passed since the open.
func (n *node) intervalDue() bool {
	if !n.rec.IntervalSet {
		return false
	}
	if !n.boundary.IsZero() {
		return !n.now().Before(n.boundary)
	}
	return n.now().Sub(n.opened) > n.rec.Interval
}

// scheduleGate applies record_schedule before the normal admission of
// f and reports whether it dealt with f. Outside the windows nothing
// opens, and an open file ends at the first break frame (reason
// "schedule"). When a window opens mid-GOP, the file opens at once with
// the hub's cached GOP, so it starts at the key frame before the
// opening rather than one GOP late. A manual recorder between Start and
// Stop records whatever the schedule says.
func (n *node) scheduleGate(f *media.Frame, c *media.State, brk bool) bool {
	if n.manualOn {
		return false
	}
	if !n.inWindow(n.now()) {
		if n.w != nil && brk {
			n.close(ReasonSchedule, nil)
		}
		return n.w == nil
	}
	if n.w == nil && !brk && !n.manual && !n.stopped && !n.failed && c.HasVideo() {
		n.openFromGOP(c)
	}
	return false // f follows the normal path, into the file if one is open
}

// openFromGOP opens a file and writes the hub's cached GOP into it
// (frames before f, starting with a key frame). Nothing opens when the
// cache holds no GOP: the file then starts at the next break frame.
func (n *node) openFromGOP(c *media.State) {
	st := n.h.src.Stream()
	if st == nil {
		return
	}
	if frames, _ := st.GOPCached(); frames == 0 || n.open() != nil {
		return
	}
	st.EachGOP(func(g *media.Frame) {
		if n.w == nil || !replayable(g) || !n.wants(g) {
			return
		}
		n.write(g, c, n.isBreak(g, c))
	})
}

// replayable reports whether a cached frame can be written as it is: a
// single-track audio or video message of the default tracks (a
// multitrack message's units would need rebuilding, and the file then
// starts at the next key frame instead).
func replayable(f *media.Frame) bool {
	return (f.Type == media.TypeAudio || f.Type == media.TypeVideo) && len(f.Units) == 1 &&
		f.Units[0].Tag != nil && f.Units[0].Track.ID == 0
}

// inWindow reports whether the schedule is open at now. The answer is
// kept until the next opening or closing, so the media path pays for a
// schedule evaluation only at those moments (and when the clock goes
// back); nothing opening again is looked at once a day.
func (n *node) inWindow(now time.Time) bool {
	if !now.Before(n.schedFrom) && now.Before(n.schedUntil) {
		return n.schedOpen
	}
	n.schedOpen = n.sched.active(now)
	n.schedFrom, n.schedUntil = now, now.Add(24*time.Hour)
	if sp, ok := n.sched.next(now); ok {
		if n.schedOpen {
			n.schedUntil = sp.end
		} else {
			n.schedUntil = sp.start
		}
	}
	return n.schedOpen
}
