package record

import (
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// sched builds a schedule from "DAYS SPAN" lines.
func sched(t *testing.T, loc *time.Location, lines ...string) schedule {
	t.Helper()
	s := schedule{loc: loc}
	for _, l := range lines {
		days, span, _ := strings.Cut(l, " ")
		w, err := conf.ParseWindow(days, span)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		s.windows = append(s.windows, w)
	}
	return s
}

// TestScheduleActive: the windows' union, by weekday, date, across
// midnight, with 24:00 as the end of a day. 2026-12-04 is a Friday.
func TestScheduleActive(t *testing.T) {
	utc := time.UTC
	at := func(day, h, m int) time.Time { return time.Date(2026, 12, day, h, m, 0, 0, utc) }
	tests := []struct {
		name  string
		lines []string
		t     time.Time
		want  bool
	}{
		{"weekday inside", []string{"mon-fri 08:00-18:00"}, at(4, 8, 0), true},
		{"weekday end is open", []string{"mon-fri 08:00-18:00"}, at(4, 18, 0), false},
		{"weekday before", []string{"mon-fri 08:00-18:00"}, at(4, 7, 59), false},
		{"saturday not in mon-fri", []string{"mon-fri 08:00-18:00"}, at(5, 9, 0), false},
		{"weekend list", []string{"sat,sun 00:00-24:00"}, at(6, 23, 59), true},
		{"weekend list ends at monday", []string{"sat,sun 00:00-24:00"}, at(7, 0, 0), false},
		{"crossing midnight, evening", []string{"daily 22:00-06:00"}, at(4, 23, 0), true},
		{"crossing midnight, next morning", []string{"daily 22:00-06:00"}, at(5, 5, 59), true},
		{"crossing midnight, after", []string{"daily 22:00-06:00"}, at(5, 6, 0), false},
		{"crossing midnight from a listed day only", []string{"fri 22:00-06:00"}, at(5, 1, 0), true},
		{"crossing midnight, unlisted day before", []string{"fri 22:00-06:00"}, at(4, 1, 0), false},
		{"wrapping weekday range", []string{"fri-mon 10:00-11:00"}, at(7, 10, 30), true},
		{"wrapping weekday range excludes tuesday", []string{"fri-mon 10:00-11:00"}, at(8, 10, 30), false},
		{"date", []string{"2026-12-24 10:00-12:00"}, at(24, 11, 0), true},
		{"date, another day", []string{"2026-12-24 10:00-12:00"}, at(23, 11, 0), false},
		{"union, second window", []string{"mon-fri 08:00-12:00", "daily 20:00-21:00"}, at(5, 20, 30), true},
		{"union, gap between", []string{"mon-fri 08:00-12:00", "mon-fri 13:00-17:00"}, at(4, 12, 30), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sched(t, utc, tt.lines...).active(tt.t); got != tt.want {
				t.Errorf("active(%s) = %v, want %v", tt.t.Format(time.DateTime), got, tt.want)
			}
		})
	}
}

// TestScheduleNextMergesUnion: touching and overlapping windows are one
// span; a past date gives none.
func TestScheduleNextMergesUnion(t *testing.T) {
	utc := time.UTC
	now := time.Date(2026, 12, 4, 7, 0, 0, 0, utc) // Friday
	s := sched(t, utc, "fri 08:00-12:00", "fri 12:00-13:00", "daily 12:30-14:00", "sat 09:00-10:00")
	sp, ok := s.next(now)
	want := span{time.Date(2026, 12, 4, 8, 0, 0, 0, utc), time.Date(2026, 12, 4, 14, 0, 0, 0, utc)}
	if !ok || !sp.start.Equal(want.start) || !sp.end.Equal(want.end) {
		t.Errorf("next = %v-%v %v, want %v-%v", sp.start, sp.end, ok, want.start, want.end)
	}
	// inside a span: the span itself
	if sp, _ := s.next(now.Add(5 * time.Hour)); !sp.start.Equal(want.start) {
		t.Errorf("next inside = %v, want the span from %v", sp.start, want.start)
	}
	if _, ok := sched(t, utc, "2020-01-01 10:00-11:00").next(now); ok {
		t.Error("a window on a past date gave a next span")
	}
}

// TestScheduleDST: windows follow the wall clock of their zone across
// both daylight saving changes of 2026 in New York (clocks jump from
// 02:00 to 03:00 on March 8 and fall back from 02:00 to 01:00 on
// November 1).
func TestScheduleDST(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	utc := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name       string
		line       string
		now        time.Time
		start, end time.Time
	}{
		// spring forward: 02:30 does not exist, the window opens when the gap ends (03:00 EDT = 07:00 UTC)
		{"spring, start in the gap", "daily 02:30-04:00", utc(3, 8, 0, 0), utc(3, 8, 7, 0), utc(3, 8, 8, 0)},
		{"spring, window over the gap is an hour shorter", "daily 01:00-04:00", utc(3, 8, 0, 0), utc(3, 8, 6, 0), utc(3, 8, 8, 0)},
		{"spring, crossing midnight", "daily 22:00-06:00", utc(3, 8, 0, 0), utc(3, 8, 3, 0), utc(3, 8, 10, 0)},
		// fall back: 01:30 happens twice; a window opens or closes at the first (EDT, 05:30 UTC)
		{"fall, start in the repeated hour", "daily 01:30-03:00", utc(11, 1, 0, 0), utc(11, 1, 5, 30), utc(11, 1, 8, 0)},
		{"fall, end in the repeated hour", "daily 00:00-01:30", utc(11, 1, 0, 0), utc(11, 1, 4, 0), utc(11, 1, 5, 30)},
		{"fall, window over the change is an hour longer", "daily 00:00-03:00", utc(11, 1, 0, 0), utc(11, 1, 4, 0), utc(11, 1, 8, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sched(t, ny, tt.line)
			sp, ok := s.next(tt.now)
			if !ok || !sp.start.Equal(tt.start) || !sp.end.Equal(tt.end) {
				t.Fatalf("next = %v - %v, want %v - %v", sp.start.UTC(), sp.end.UTC(), tt.start, tt.end)
			}
			if s.active(tt.start.Add(-time.Second)) || !s.active(tt.start) || !s.active(tt.end.Add(-time.Second)) || s.active(tt.end) {
				t.Errorf("active disagrees with the span %v - %v", tt.start, tt.end)
			}
		})
	}
}

// TestNextBoundary: record_interval_align's boundaries are multiples of
// the interval in local wall-clock time, also across DST changes.
func TestNextBoundary(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	berlin := mustZone(t, "Europe/Berlin")
	tests := []struct {
		name string
		t    time.Time
		iv   time.Duration
		loc  *time.Location
		want time.Time
	}{
		{"10m", time.Date(2026, 6, 1, 10, 3, 20, 0, berlin), 10 * time.Minute, berlin, time.Date(2026, 6, 1, 10, 10, 0, 0, berlin)},
		{"on a boundary: the next one", time.Date(2026, 6, 1, 10, 10, 0, 0, berlin), 10 * time.Minute, berlin, time.Date(2026, 6, 1, 10, 20, 0, 0, berlin)},
		{"1h in a +2 zone falls on the local hour", time.Date(2026, 6, 1, 10, 59, 0, 0, berlin), time.Hour, berlin, time.Date(2026, 6, 1, 11, 0, 0, 0, berlin)},
		{"24h is local midnight", time.Date(2026, 6, 1, 10, 0, 0, 0, berlin), 24 * time.Hour, berlin, time.Date(2026, 6, 2, 0, 0, 0, 0, berlin)},
		// spring forward: from 01:30 EST the next hour boundary is 03:00 EDT (02:00 does not exist)
		{"spring forward", time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC), time.Hour, ny, time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		// fall back: from 01:30 EDT the next boundary is when the clock shows 01:00 EST again, an hour later
		{"fall back", time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), time.Hour, ny, time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)},
		{"after fall back", time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), time.Hour, ny, time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nextBoundary(tt.t, tt.iv, tt.loc)
			if !got.Equal(tt.want) {
				t.Errorf("nextBoundary(%v, %v) = %v, want %v", tt.t, tt.iv, got.In(tt.loc), tt.want.In(tt.loc))
			}
		})
	}
}

// BenchmarkScheduleGate is the per-frame cost of record_schedule on the
// media path: three windows, evaluated at each frame's clock reading.
func BenchmarkScheduleGate(b *testing.B) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	s := schedule{loc: loc}
	for _, l := range [][2]string{{"mon-fri", "08:00-18:00"}, {"daily", "22:00-06:00"}, {"2026-12-24", "10:00-12:00"}} {
		w, _ := conf.ParseWindow(l[0], l[1])
		s.windows = append(s.windows, w)
	}
	n := &node{sched: &s}
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, loc)
	b.ReportAllocs()
	for i := range b.N {
		n.inWindow(t0.Add(time.Duration(i) * 20 * time.Millisecond))
	}
}

// BenchmarkScheduleActive is one full evaluation (what inWindow saves
// on all but the frames at an opening or closing).
func BenchmarkScheduleActive(b *testing.B) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	s := schedule{loc: loc}
	for _, l := range [][2]string{{"mon-fri", "08:00-18:00"}, {"daily", "22:00-06:00"}, {"2026-12-24", "10:00-12:00"}} {
		w, _ := conf.ParseWindow(l[0], l[1])
		s.windows = append(s.windows, w)
	}
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, loc)
	b.ReportAllocs()
	for i := range b.N {
		s.active(t0.Add(time.Duration(i) * 20 * time.Millisecond))
	}
}
