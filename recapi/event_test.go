package recapi

import (
	"testing"
	"time"
)

// TestParseEventBody: Monibuca's body as documented, durations as
// strings or seconds, the level as a number or a numeric string.
func TestParseEventBody(t *testing.T) {
	d := func(v time.Duration) *time.Duration { return &v }
	tests := []struct {
		name, body    string
		before, after *time.Duration
		level         int
		err           string
	}{
		{name: "monibuca", body: `{"streamPath": "live/camera1", "eventId": "alarm_001", "eventName": "motion", "beforeDuration": "30s", "afterDuration": "60s", "eventDesc": "d", "eventLevel": "0"}`,
			before: d(30 * time.Second), after: d(time.Minute)},
		{name: "numbers", body: `{"streamPath": "live/c", "beforeDuration": 30, "afterDuration": 1.5, "eventLevel": 3}`,
			before: d(30 * time.Second), after: d(1500 * time.Millisecond), level: 3},
		{name: "nginx time and bare seconds", body: `{"streamPath": "live/c", "beforeDuration": "1m30s", "afterDuration": "45", "eventLevel": "-2"}`,
			before: d(90 * time.Second), after: d(45 * time.Second), level: -2},
		{name: "defaults", body: `{"streamPath": "live/c", "beforeDuration": null}`},
		{name: "no stream", body: `{"eventId": "x"}`, err: "streamPath is required: app/name"},
		{name: "bad duration", body: `{"streamPath": "live/c", "afterDuration": "soon"}`,
			err: `afterDuration: duration must be like 30s, 1m30s or a number of seconds, got "soon"`},
		{name: "negative", body: `{"streamPath": "live/c", "beforeDuration": "-5s"}`,
			err: `beforeDuration: duration must be from 0 to 24h0m0s, got "-5s"`},
		{name: "bad level", body: `{"streamPath": "live/c", "eventLevel": "high"}`, err: `eventLevel must be an integer, got "high"`},
		{name: "fractional level", body: `{"streamPath": "live/c", "eventLevel": 1.5}`, err: `eventLevel must be an integer, got "1.5"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, sp, err := parseEventBody([]byte(tc.body))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || sp == "" {
				t.Fatalf("%q, %v", sp, err)
			}
			if !sameDur(req.Before, tc.before) || !sameDur(req.After, tc.after) || req.Level != tc.level {
				t.Fatalf("before %v after %v level %d", req.Before, req.After, req.Level)
			}
		})
	}
}

func sameDur(a, b *time.Duration) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// FuzzParseEventBody: any body either fails or gives durations within
// a day and never negative.
func FuzzParseEventBody(f *testing.F) {
	for _, s := range []string{`{"streamPath": "live/camera1", "eventId": "alarm_001", "beforeDuration": "30s", "afterDuration": "60s", "eventLevel": "0"}`,
		`{"streamPath": "a/b", "beforeDuration": 1e400, "afterDuration": "99999999999h"}`, `{"streamPath": "a/b", "eventLevel": 99999999999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, _, err := parseEventBody(b)
		if err != nil {
			return
		}
		for _, d := range []*time.Duration{req.Before, req.After} {
			if d != nil && (*d < 0 || *d > 24*time.Hour) {
				t.Fatalf("%s: duration %v", b, *d)
			}
		}
	})
}
