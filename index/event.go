package index

import "time"

// Event is one event recorded into one file: a row of the events table,
// linked to its recording. An event whose span a split crosses has a
// row in each file, the later ones at offset 0.
type Event struct {
	ID          int64  // assigned by the store
	RecordingID int64  // the recording's row
	Path        string // the recording's file (Apply finds the row by it)
	StreamPath  string
	Recorder    string
	EventID     string // the request's eventId
	Name        string
	Desc        string
	Level       int           // higher is more important
	Trigger     time.Time     // wall clock of the request
	Offset      time.Duration // the trigger's position in the file's media
	Before      time.Duration // pre-roll asked (after clamping)
	After       time.Duration
}

// EventQuery selects events. Zero fields do not filter.
type EventQuery struct {
	RecordingIDs []int64
	StreamPath   string
	EventID      string
	// Start and End bound the trigger time.
	Start, End time.Time
	Page       int // from 1; 0: every event
	Size       int
}
