package recapi

import (
	"net/url"
	"testing"
)

// FuzzParseListQuery: any query string either fails with an error or
// gives a bounded page.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{"page=2&size=10", "pageNum=2&pageSize=10&startTime=1772373600&endTime=1772377200",
		"start=2026-03-01T14:00:00Z&end=2026-03-01T15:00:00.5%2B01:00&status=done&eventOnly=1&recorder=&format=flv",
		"size=99999999999999999999", "start=1e400", "start=NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		got, err := parseListQuery(q)
		if err != nil {
			return
		}
		if got.Page < 1 || got.Page > maxPage || got.Size < 1 || got.Size > maxSize {
			t.Fatalf("%q: page %d size %d", raw, got.Page, got.Size)
		}
		if !got.Start.IsZero() && !got.End.IsZero() && got.End.Before(got.Start) {
			t.Fatalf("%q: end before start accepted", raw)
		}
	})
}

// FuzzParseDeleteBody: any body either fails or names ids or a range.
func FuzzParseDeleteBody(f *testing.F) {
	for _, s := range []string{`{"ids": [1, 2]}`, `{"start": "2026-03-01T14:00:00Z", "end": 1772377200, "force": true}`,
		`{"startTime": 1, "endTime": 2}`, `{"ids": []}`, `{"ids": [1], "extra": 1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseDeleteBody(b)
		if err != nil {
			return
		}
		if len(got.IDs) == 0 && (got.Start.IsZero() || got.End.IsZero() || got.End.Before(got.Start)) {
			t.Fatalf("%q: neither ids nor a range: %+v", b, got)
		}
		for _, id := range got.IDs {
			if id <= 0 {
				t.Fatalf("%q: id %d", b, id)
			}
		}
	})
}

// FuzzParseDuration: start's duration is positive and bounded when accepted.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90s", "1m30s", "30", "0.5", "-1", "1e300", "NaN", "Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration(s)
		if err == nil && (d <= 0 || d > maxManualDuration) && s != "" && s != "null" {
			t.Fatalf("%q: %v accepted", s, d)
		}
	})
}
