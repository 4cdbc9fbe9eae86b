package record

import (
	"slices"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// A schedule is a recorder's record_schedule windows in its time zone.
// Its times are wall-clock times there, across daylight saving changes:
//
//   - a start or end inside a spring-forward gap (02:30 where clocks jump
//     from 02:00 to 03:00) is the moment the gap ends (03:00 new time);
//   - one that occurs twice in a fall-back hour is the first of them.
//
// So a window never vanishes and never opens twice on one day.
type schedule struct {
	windows []conf.Window
	loc     *time.Location
}

// span is one opening of a window, or of their union.
type span struct{ start, end time.Time }

// active reports whether t is inside any window: one that opened on t's
// day, or on the day before and crosses midnight.
func (s schedule) active(t time.Time) bool {
	today := conf.DateOf(t.In(s.loc))
	for _, d := range []conf.Date{addDays(today, -1), today} {
		for i := range s.windows {
			if sp, ok := s.spanOn(&s.windows[i], d); ok && !t.Before(sp.start) && t.Before(sp.end) {
				return true
			}
		}
	}
	return false
}

// next is the union span that contains t, or else the first that opens
// after it; ok is false when no window opens again (dates in the past).
// Weekday windows are looked at for a week ahead, so a span that lasts
// longer (daily 00:00-24:00) is reported as ending a week ahead.
func (s schedule) next(t time.Time) (span, bool) {
	today := conf.DateOf(t.In(s.loc))
	var all []span
	for i := range s.windows {
		w := &s.windows[i]
		for k := -1; k <= 8; k++ {
			if x, ok := s.spanOn(w, addDays(today, k)); ok {
				all = append(all, x)
			}
		}
		for _, d := range w.Dates {
			if x, ok := s.spanOn(w, d); ok {
				all = append(all, x)
			}
		}
	}
	slices.SortFunc(all, func(a, b span) int { return a.start.Compare(b.start) })
	var merged []span
	for _, x := range all {
		if k := len(merged) - 1; k >= 0 && !x.start.After(merged[k].end) {
			merged[k].end = later(merged[k].end, x.end) // overlapping or touching: one span
			continue
		}
		merged = append(merged, x)
	}
	for _, x := range merged {
		if x.end.After(t) {
			return x, true
		}
	}
	return span{}, false
}

// spanOn is w's opening on day d, if it opens that day.
func (s schedule) spanOn(w *conf.Window, d conf.Date) (span, bool) {
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
	if !w.OpensOn(d, wd) {
		return span{}, false
	}
	endDay := d
	if w.CrossesMidnight() {
		endDay = addDays(d, 1)
	}
	return span{wallTime(d, w.Start, s.loc), wallTime(endDay, w.End, s.loc)}, true
}

// wallTime is the first instant at which the clock in loc reads minute
// m (up to 1440, the next midnight) of day d; for a time that a
// spring-forward gap skips, the end of the gap.
func wallTime(d conf.Date, m int, loc *time.Location) time.Time {
	naive := time.Date(d.Year, d.Month, d.Day, 0, m, 0, 0, time.UTC)
	guess := time.Date(d.Year, d.Month, d.Day, 0, m, 0, 0, loc)
	var best time.Time
	for _, probe := range []time.Time{guess.Add(-12 * time.Hour), guess, guess.Add(12 * time.Hour)} {
		_, off := probe.Zone()
		c := naive.Add(-time.Duration(off) * time.Second)
		if sameWall(c.In(loc), naive) && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if !best.IsZero() {
		return best.In(loc)
	}
	_, off := guess.Add(-12 * time.Hour).Zone() // the offset before the gap
	gapEnd, _ := naive.Add(-time.Duration(off) * time.Second).In(loc).ZoneBounds()
	return gapEnd
}

func sameWall(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay() && a.Hour() == b.Hour() && a.Minute() == b.Minute()
}

func addDays(d conf.Date, n int) conf.Date {
	return conf.DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// nextBoundary is the first multiple of iv after t in loc's wall-clock
// time (10:00, 10:10, ... for 10m), counted from the Unix epoch in
// local time, so 1h boundaries fall on the hour and 24h ones at
// midnight. Across a DST change it is the instant the local clock first
// reaches the boundary, never before t.
func nextBoundary(t time.Time, iv time.Duration, loc *time.Location) time.Time {
	_, off := t.In(loc).Zone()
	shift := time.Duration(off) * time.Second
	local := time.Duration(t.UnixNano()) + shift
	b := (local/iv + 1) * iv
	c := time.Unix(0, int64(b-shift))
	if _, off2 := c.In(loc).Zone(); off2 != off {
		if c2 := time.Unix(0, int64(b-time.Duration(off2)*time.Second)); c2.After(t) && c2.Before(c) {
			c = c2
		}
	}
	return c
}
