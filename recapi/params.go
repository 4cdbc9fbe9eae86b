package recapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// Paging bounds of list.
const (
	defaultSize = 20
	maxSize     = 1000
	maxPage     = 1 << 20
)

// aliases maps Monibuca's parameter names to ours.
var aliases = map[string]string{
	"pageNum": "page", "pageSize": "size", "startTime": "start", "endTime": "end",
	"streamPath": "streamPath", "eventId": "eventId",
}

// param returns our parameter name's value, or its Monibuca alias's.
func param(q url.Values, name string) string {
	if v := q.Get(name); v != "" {
		return v
	}
	for alias, ours := range aliases {
		if ours == name && alias != name {
			if v := q.Get(alias); v != "" {
				return v
			}
		}
	}
	return ""
}

// parseListQuery reads list's filters and paging.
func parseListQuery(q url.Values) (index.Query, error) {
	var out index.Query
	var err error
	if out.Start, err = parseTime("start", param(q, "start")); err != nil {
		return out, err
	}
	if out.End, err = parseTime("end", param(q, "end")); err != nil {
		return out, err
	}
	if !out.Start.IsZero() && !out.End.IsZero() && out.End.Before(out.Start) {
		return out, errors.New("end is before start")
	}
	out.Format = q.Get("format")
	if q.Has("recorder") {
		rec := q.Get("recorder")
		out.Recorder = &rec
	}
	if s := q.Get("status"); s != "" {
		if !index.Status(s).Valid() {
			return out, fmt.Errorf("status must be recording, done, failed, deleted or missing, got %s", quote(s))
		}
		out.Status = index.Status(s)
	}
	if out.EventOnly, err = parseBool("eventOnly", q.Get("eventOnly")); err != nil {
		return out, err
	}
	if out.Page, err = parseInt("page", param(q, "page"), 1, maxPage, 1); err != nil {
		return out, err
	}
	out.Size, err = parseInt("size", param(q, "size"), 1, math.MaxInt32, defaultSize)
	out.Size = min(out.Size, maxSize)
	return out, err
}

// parseTime reads RFC 3339 or Unix seconds (possibly fractional).
func parseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1<<40 {
		return time.Time{}, fmt.Errorf("%s must be an RFC 3339 time or Unix seconds, got %s", name, quote(s))
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

func parseInt(name, s string, lo, hi, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s must be an integer from %d to %d, got %s", name, lo, hi, quote(s))
	}
	return v, nil
}

func parseBool(name, s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "0", "false", "off", "no":
		return false, nil
	case "1", "true", "on", "yes":
		return true, nil
	}
	return false, fmt.Errorf("%s must be true or false, got %s", name, quote(s))
}

// deleteRequest is delete's body: ids, or a time range, and force.
type deleteRequest struct {
	IDs   []int64
	Start time.Time
	End   time.Time
	Force bool
}

// maxDeleteIDs bounds one delete call.
const maxDeleteIDs = 1000

// parseDeleteBody reads {"ids": [...]} or {"start": ..., "end": ...}
// (Monibuca's startTime/endTime accepted), with an optional "force".
// Times are RFC 3339 strings or Unix seconds.
func parseDeleteBody(b []byte) (deleteRequest, error) {
	var raw struct {
		IDs       []int64         `json:"ids"`
		Start     json.RawMessage `json:"start"`
		End       json.RawMessage `json:"end"`
		StartTime json.RawMessage `json:"startTime"`
		EndTime   json.RawMessage `json:"endTime"`
		Force     bool            `json:"force"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return deleteRequest{}, fmt.Errorf("body: %v", err)
	}
	out := deleteRequest{IDs: raw.IDs, Force: raw.Force}
	var err error
	if out.Start, err = jsonTime("start", first(raw.Start, raw.StartTime)); err != nil {
		return out, err
	}
	if out.End, err = jsonTime("end", first(raw.End, raw.EndTime)); err != nil {
		return out, err
	}
	rangeSet := !out.Start.IsZero() || !out.End.IsZero()
	switch {
	case len(out.IDs) > 0 && rangeSet:
		return out, errors.New("give ids or start and end, not both")
	case len(out.IDs) == 0 && (out.Start.IsZero() || out.End.IsZero()):
		return out, errors.New("give ids, or both start and end")
	case len(out.IDs) > maxDeleteIDs:
		return out, fmt.Errorf("at most %d ids per call", maxDeleteIDs)
	case rangeSet && out.End.Before(out.Start):
		return out, errors.New("end is before start")
	}
	for _, id := range out.IDs {
		if id <= 0 {
			return out, fmt.Errorf("ids must be positive, got %d", id)
		}
	}
	return out, nil
}

func first(a, b json.RawMessage) json.RawMessage {
	if len(a) > 0 {
		return a
	}
	return b
}

func jsonTime(name string, raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return parseTime(name, s)
	}
	var f json.Number
	if err := json.Unmarshal(raw, &f); err != nil {
		return time.Time{}, fmt.Errorf("%s must be an RFC 3339 string or Unix seconds", name)
	}
	return parseTime(name, f.String())
}
