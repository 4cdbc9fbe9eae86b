package index

import "time"

// UnixMS is how both stores keep a wall time: Unix milliseconds, the zero
// time as 0.
func UnixMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FromUnixMS is UnixMS's inverse (in UTC).
func FromUnixMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// MSDuration is a duration kept in milliseconds.
func MSDuration(v int64) time.Duration { return time.Duration(v) * time.Millisecond }
