package record

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// ErrNotEvent is an event request for a recorder without `event`, or for
// an application without such a recorder.
var ErrNotEvent = errors.New("not an event recorder")

// EventRequest asks an event recorder to record around now.
type EventRequest struct {
	App, Name string // the publishing stream
	// Recorder names the recorder; nil: the application's first
	// recorder with `event`.
	Recorder *string
	// ID, Title, Desc and Level describe the event (Monibuca's eventId,
	// eventName, eventDesc, eventLevel: higher is more important).
	ID, Title, Desc string
	Level           int
	// Before and After are the media kept before the trigger and recorded
	// after it; nil: record_event_before and record_event_after. Before is
	// clamped to record_event_max_before.
	Before, After *time.Duration
}

// EventResult says what an event request did.
type EventResult struct {
	Recorder      string
	Path          string        // the file the event is recorded into
	Before, After time.Duration // in effect
	Clamped       bool          // the request asked more than record_event_max_before
	Extended      bool          // a file was already open: its end moved
	Trigger       time.Time     // wall clock of the request
	Offset        time.Duration // the trigger's position in the file's media
}

// EventMark is one event recorded into a file: a row of the index's
// events.
type EventMark struct {
	ID, Name, Desc string
	Level          int
	Trigger        time.Time     // wall clock
	Offset         time.Duration // the trigger's position in the file's media
	Before, After  time.Duration
}

// Event records around now on an event recorder of the stream
// req.App/req.Name: a file that starts with the pre-roll from
// req.Before ago, or, when one is open, a later end for it. It returns
// ErrNoStream, ErrNoRecorder or ErrNotEvent (wrapped) for a request it
// cannot serve.
func (m *Module) Event(req EventRequest) (EventResult, error) {
	h := m.lookup(req.App, req.Name)
	if h == nil {
		return EventResult{}, fmt.Errorf("record %s/%s: %w", req.App, req.Name, ErrNoStream)
	}
	return h.event(&req)
}

func (h *hook) event(req *EventRequest) (EventResult, error) {
	defer h.flush()
	h.mu.Lock()
	defer h.mu.Unlock()
	n, err := h.eventNode(req.Recorder)
	if err != nil {
		return EventResult{}, err
	}
	return n.trigger(req)
}

// eventNode finds the recorder of an event request; the caller holds mu.
func (h *hook) eventNode(rec *string) (*node, error) {
	if rec == nil {
		for _, n := range h.nodes {
			if n.event && !n.off {
				return h.control(n.rec.Name)
			}
		}
		if !h.live {
			return nil, fmt.Errorf("record %s/%s: %w", h.key.app, h.key.name, ErrNoStream)
		}
		return nil, fmt.Errorf("record %s/%s: application has no recorder with \"record ... event\": %w", h.key.app, h.key.name, ErrNotEvent)
	}
	n, err := h.control(*rec)
	if err != nil {
		return nil, err
	}
	if !n.rec.Flags.Has(conf.RecordEvent) {
		return nil, fmt.Errorf("record %s/%s: recorder %q has no \"event\" in its record directive: %w", h.key.app, h.key.name, *rec, ErrNotEvent)
	}
	return n, nil
}

// maxEventSpan bounds an event request's before and after.
const maxEventSpan = 24 * time.Hour

// ParseEventDuration reads an event request's duration: a Go duration
// ("1m30s", "1.5s"), an nginx time ("30", "1m30s") or a number of
// seconds ("90", "2.5"). At most a day, never negative.
func ParseEventDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		d, err = conf.ParseTime(s)
	}
	if err != nil {
		secs, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || secs > maxEventSpan.Seconds() {
			return 0, fmt.Errorf("duration must be like 30s, 1m30s or a number of seconds, got %q", s)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 || d > maxEventSpan {
		return 0, fmt.Errorf("duration must be from 0 to %v, got %q", maxEventSpan, s)
	}
	return d, nil
}

// ParseEventLevel reads an event level: an integer, higher is more
// important ("0", "3", "-1").
func ParseEventLevel(s string) (int, error) {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("eventLevel must be an integer, got %q", s)
	}
	return v, nil
}
