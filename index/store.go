package index

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned for an unknown id.
var ErrNotFound = errors.New("no such recording")

// ErrCorrupt wraps a database that fails its integrity check.
var ErrCorrupt = errors.New("index database is corrupt")

// ErrUnavailable wraps a failure to reach the database (a server that is
// down or unreachable), as opposed to a statement that failed: the
// writer keeps such changes and tries again, the API answers 503.
var ErrUnavailable = errors.New("index database is unreachable")

// NodeStore is a Store shared by several nodes (PostgreSQL): each row
// belongs to the node that wrote it, and Apply, Live and Put (of a row
// without a node) act on this node's rows only.
type NodeStore interface {
	Store
	// Node is this node's name.
	Node() string
	// NodeURL is the record_api URL that node registered, "" if none.
	NodeURL(ctx context.Context, node string) (string, error)
}

// NodeOf is the node s writes as: "" for a store of one node.
func NodeOf(s Store) string {
	if ns, ok := s.(NodeStore); ok {
		return ns.Node()
	}
	return ""
}

// Store is the database of recordings. Implementations are safe for
// concurrent use. Apply is called by one Writer at a time; the other
// methods may run beside it (the API, reconciliation).
//
// Rows are keyed by their file: among the rows that are not deleted or
// missing, at most one has a given path. A row that is deleted or missing
// keeps its path as a record, and a new file at that path gets a new row.
type Store interface {
	// Apply makes every change of batch, in order, in one transaction.
	// A change about a path without a live row creates one (an Opened that
	// was dropped does not lose the Closed that follows).
	Apply(ctx context.Context, batch []Change) error
	// Get returns the row with id, or ErrNotFound.
	Get(ctx context.Context, id int64) (Recording, error)
	// List returns the page of rows that q selects, newest first, and the
	// number of rows it selects in all.
	List(ctx context.Context, q Query) (rows []Recording, total int, err error)
	// Catalog sums the rows of every stream path that has any not deleted.
	Catalog(ctx context.Context) ([]Stream, error)
	// Put writes r as it is: inserted when r.ID is 0 (r.ID is set), else
	// replaced. Reconciliation, rebuild and the API use it.
	Put(ctx context.Context, r *Recording) error
	// Mark changes only the pin or the status of row id (nil/"" keep
	// them) and returns the row, so it never undoes a concurrent write of
	// the row's figures.
	Mark(ctx context.Context, id int64, m Mark) (Recording, error)
	// Live returns the row at path that is neither deleted nor missing.
	Live(ctx context.Context, path string) (Recording, error)
	// Events returns the events q selects, newest trigger first, and how
	// many it selects in all.
	Events(ctx context.Context, q EventQuery) ([]Event, int, error)
	// Close releases the database.
	Close() error
}

// Mark is a change of a row's pin or status (the API's pin, unpin and
// delete).
type Mark struct {
	Pinned  *bool
	Status  Status
	Updated time.Time
}

// Query selects rows for List. Zero fields do not filter.
type Query struct {
	StreamPath string
	// Start and End select rows whose [start, end] overlaps [Start, End];
	// a recording in progress extends to now.
	Start, End time.Time
	Format     string
	Recorder   *string // nil: any; "" is the inline recorder
	Node       string  // "": every node's rows (an embedded index has no other)
	Status     Status  // "": every status but deleted
	EventOnly  bool    // only rows with an event id
	Page       int     // from 1
	Size       int     // rows per page
}

// Stream is one line of the catalog.
type Stream struct {
	StreamPath string
	Count      int
	Size       int64
	Duration   time.Duration
	FirstStart time.Time
	LastStart  time.Time
	Formats    []string
	Events     int // events recorded into the stream's files (a carried event counts per file)
}

// ChangeKind says what happened to a file.
type ChangeKind uint8

// Kinds of change, from the recorder's file events.
const (
	Opened      ChangeKind = iota + 1 // a file was opened: a row in status recording
	Progress                          // the file grew: size and duration
	Closed                            // the file was closed: every figure final
	Discarded                         // the file was removed because it held no media: the row goes
	EventMarked                       // an event was recorded into the file: Event is its row
)

func (k ChangeKind) String() string {
	switch k {
	case Opened:
		return "opened"
	case Progress:
		return "progress"
	case Closed:
		return "closed"
	case Discarded:
		return "discarded"
	case EventMarked:
		return "event"
	}
	return "unknown"
}

// Change is one event about one file. Row carries the figures known at
// that moment; Row.Path identifies the file.
type Change struct {
	Kind ChangeKind
	Row  Recording
	// Probe asks the writer to read the codec fields and the keyframe
	// count from the file before writing (a closed file): its goroutine,
	// not the recorder's, pays for reading the file.
	Probe bool
	// Event is the event of an EventMarked, linked to the live row at
	// Row.Path (created from Row when there is none); the first event of a
	// row also sets its event fields.
	Event *Event
}
