package recapi_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// TestEventsShowTheRecordingsTheyPin: an event recording of stream
// live/cam1 whose event spans t0+2m20s..t0+3m10s pins the continuous
// rows 2 (t0+2m..2m50s) and 3 (t0+3m..3m50s), in the events answer and
// in the events of the list's event row; answers match the OpenAPI
// document (the client validates them).
func TestEventsShowTheRecordingsTheyPin(t *testing.T) {
	r := newRig(t, "tok")
	ev := index.Recording{StreamPath: "live/cam1", App: "live", Name: "cam1", Recorder: "ev", Format: "flv",
		Path: filepath.Join(r.dir, "ev.flv"), Start: t0.Add(2*time.Minute + 20*time.Second)}
	err := r.store.Apply(context.Background(), []index.Change{{Kind: index.EventMarked, Row: ev, Event: &index.Event{
		EventID: "e1", Level: 1, Trigger: t0.Add(2*time.Minute + 30*time.Second), Before: 10 * time.Second, After: 40 * time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{r.ids[2], r.ids[3]}
	res := r.c.Do("GET", "/events/{streamPath}", "events/live/cam1", nil)
	var a struct {
		Data []struct {
			EventID string  `json:"eventId"`
			Pins    []int64 `json:"pins"`
		} `json:"data"`
	}
	res.JSON(t, &a)
	if res.Status != 200 || len(a.Data) != 1 || !slices.Equal(a.Data[0].Pins, want) {
		t.Fatalf("events: %d %s; want pins %v", res.Status, res.Body, want)
	}
	res = r.c.Do("GET", "/list/{streamPath}", "list/live/cam1?eventOnly=1", nil)
	var l struct {
		Data []struct {
			Events []struct {
				Pins []int64 `json:"pins"`
			} `json:"events"`
		} `json:"data"`
	}
	res.JSON(t, &l)
	if res.Status != 200 || len(l.Data) != 1 || len(l.Data[0].Events) != 1 || !slices.Equal(l.Data[0].Events[0].Pins, want) {
		t.Fatalf("list eventOnly: %d %s; want pins %v", res.Status, res.Body, want)
	}
}
