package conf

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/parser"
)

// Window is one record_schedule line: the days it opens on and its
// wall-clock span in the recorder's time zone. A span whose end is not
// after its start crosses midnight: it opens on a listed day and closes
// on the next one.
type Window struct {
	Text string     // the line's arguments as written, for the dump and messages
	Pos  parser.Pos // the record_schedule line
	// Days are the weekdays it opens on, bit 1<<time.Weekday; 0 when
	// Dates are given instead.
	Days  uint8
	Dates []Date // calendar days it opens on
	// Start and End are minutes after midnight, End up to 24:00 (1440).
	Start, End int
}

// Date is a calendar day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is t's calendar day in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// OpensOn reports whether the window opens on day d (whose weekday is wd).
func (w *Window) OpensOn(d Date, wd time.Weekday) bool {
	if w.Days&(1<<wd) != 0 {
		return true
	}
	for _, x := range w.Dates {
		if x == d {
			return true
		}
	}
	return false
}

// CrossesMidnight reports whether the window closes on the day after it opens.
func (w *Window) CrossesMidnight() bool { return w.End <= w.Start }

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// setSchedule reads `record_schedule DAYS HH:MM-HH:MM`.
func setSchedule(_ *loader, d *parser.Directive) (any, error) {
	w, err := ParseWindow(d.Args[0], d.Args[1])
	if err != nil {
		return nil, err
	}
	w.Pos = d.Pos
	return []Window{w}, nil
}

// ParseWindow reads a window's days (daily, mon-fri, sat,sun, 2026-12-24,
// comma lists of those) and span (08:00-18:00, 22:00-06:00, 00:00-24:00).
func ParseWindow(days, span string) (Window, error) {
	w := Window{Text: days + " " + span}
	for item := range strings.SplitSeq(strings.ToLower(days), ",") {
		if err := w.addDays(item); err != nil {
			return w, badValueWhy(days, "%s", err)
		}
	}
	from, to, ok := strings.Cut(span, "-")
	var err1, err2 error
	w.Start, err1 = parseClock(from, false)
	w.End, err2 = parseClock(to, true)
	switch {
	case !ok || err1 != nil || err2 != nil:
		return w, badValueWhy(span, "a span is HH:MM-HH:MM, from 00:00 to 24:00")
	case w.Start == w.End:
		return w, badValueWhy(span, "the window is empty (a whole day is 00:00-24:00)")
	}
	return w, nil
}

// addDays adds one item of a day list.
func (w *Window) addDays(item string) error {
	if item == "daily" {
		w.Days = 0x7f
		return nil
	}
	if t, err := time.Parse(time.DateOnly, item); err == nil {
		w.Dates = append(w.Dates, DateOf(t))
		return nil
	}
	from, to, isRange := strings.Cut(item, "-")
	a, b := weekday(from), weekday(to)
	if !isRange {
		b = a
	}
	if a < 0 || b < 0 {
		return fmt.Errorf("%q is not daily, a weekday (mon..sun), a range of them (mon-fri) or a date (2026-12-24)", item)
	}
	for i := a; ; i = (i + 1) % 7 { // fri-mon wraps over the weekend
		w.Days |= 1 << i
		if i == b {
			return nil
		}
	}
}

func weekday(s string) int {
	for i, n := range weekdays {
		if s == n {
			return i
		}
	}
	return -1
}

// parseClock reads HH:MM as minutes after midnight; 24:00 only as an end.
func parseClock(s string, end bool) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(hh) != 2 || len(mm) != 2 || h < 0 || m < 0 || m > 59 {
		return 0, badValue(s)
	}
	if h < 24 || end && h == 24 && m == 0 {
		return h*60 + m, nil
	}
	return 0, badValue(s)
}

// dumpSchedules writes one record_schedule line per window in effect.
func dumpSchedules(r *row, s *scope, w *dumper) {
	ws, _ := s.get(r.storeKey()).([]Window)
	for _, x := range ws {
		days, span, _ := strings.Cut(x.Text, " ")
		w.line(r.name, days, span)
	}
}

// setTimezone checks that the zone exists, so a typo is a config error at
// load and not a recording in the wrong time.
func setTimezone(_ *loader, d *parser.Directive) (any, error) {
	if _, err := time.LoadLocation(d.Args[0]); err != nil || d.Args[0] == "" {
		return nil, badValueWhy(d.Args[0], "not a time zone name known here (IANA, e.g. Europe/Berlin, or UTC or Local)")
	}
	return d.Args[0], nil
}
