// Package index keeps a database of every recording: one row per file,
// written from the recorder's file events off the media path, repaired
// at start by reconciliation and recreated from the files by rebuild.
//
// The database sits behind Store, a small interface: the embedded SQLite
// store lives in index/sqlite, and a second implementation (PostgreSQL)
// passes the same suite (index/storetest). Everything a file cannot tell
// (pins, deletions by the API, events) is also appended to a Journal, so
// that a rebuild from the files plus the journal restores every row.
package index

import (
	"path"
	"time"
)

// Status is where a recording is in its life.
type Status string

// Statuses of a row.
const (
	StatusRecording Status = "recording" // the file is being written
	StatusDone      Status = "done"      // closed normally
	StatusFailed    Status = "failed"    // closed by a write error, or found unfinished after a crash and unreadable
	StatusDeleted   Status = "deleted"   // removed through the API; the row stays as a record of it
	StatusMissing   Status = "missing"   // the file is gone and nobody said why
)

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case StatusRecording, StatusDone, StatusFailed, StatusDeleted, StatusMissing:
		return true
	}
	return false
}

// Recording is one row of the index: one recorded file.
type Recording struct {
	ID         int64  // assigned by the store; never reused
	Node       string // the node that wrote the row (a shared PostgreSQL index); "" in the embedded one
	StreamPath string // app/name
	App        string
	Name       string // stream name as published; may contain "/"
	Recorder   string // recorder name; "" is the application's inline recorder
	Format     string // container: flv, mp4, fmp4, hls
	Path       string // the file as opened
	Status     Status

	Start    time.Time     // wall clock at open
	End      time.Time     // wall clock at close; zero while recording
	Duration time.Duration // media time in the file (last minus first timestamp)
	Size     int64         // bytes

	VideoFrames int64 // media frames, sequence headers not counted
	AudioFrames int64
	Keyframes   int64

	VideoCodec string
	Width      int
	Height     int
	FrameRate  float64
	AudioCodec string
	SampleRate int
	Channels   int

	Reason string // why the file closed (split, unpublish, stop, ...)
	Error  string // the failure, if any
	Pinned bool   // exempt from retention
	// RemovedBy is the retention rule that removed the file (max_age,
	// max_total, stream_quota, stream_max_files, min_free); "" otherwise.
	RemovedBy string

	// Event fields: the event that caused an event recording.
	EventID    string
	EventName  string
	EventDesc  string
	EventLevel int

	Updated time.Time // wall clock of the last change of the row
}

// StreamPathOf joins an application and a stream name.
func StreamPathOf(app, name string) string { return path.Join(app, name) }

// Finished reports whether the row describes a closed file.
func (r *Recording) Finished() bool { return r.Status != StatusRecording }
