package index

import (
	"context"
	"time"
)

// Retainer is what retention needs of a store beyond Store: the oldest
// removable rows of a recorder, its totals, and marking rows removed.
// Every call is one short statement or transaction, so a pass over many
// rows never holds the database for long.
type Retainer interface {
	// Removable returns up to q.Limit finished rows of q's recorder that
	// no pin protects, oldest start first, after q.After.
	Removable(ctx context.Context, q RemovableQuery) ([]Recording, error)
	// Usage sums the live rows (recording, done, failed) of a recorder,
	// in all and per stream path.
	Usage(ctx context.Context, app, recorder string) (Usage, error)
	// Retire marks each row deleted (or missing) with the rule that
	// removed it, unless its status changed meanwhile.
	Retire(ctx context.Context, rs []Retired) error
	// EventPins returns, per events.id, the rows of the event's stream
	// without event fields whose span overlaps the event's.
	EventPins(ctx context.Context, eventIDs []int64) (map[int64][]int64, error)
}

// RemovableQuery selects retention candidates of one recorder.
type RemovableQuery struct {
	App, Recorder string
	StreamPath    string    // "": every stream
	EndedBefore   time.Time // zero: any end
	After         Cursor    // keyset position: rows strictly after it
	Limit         int
	// KeepLevel and EventCutoff protect event recordings of level at or
	// above KeepLevel, and the rows without event fields that such an
	// event of the same stream overlaps, while the event ended at or after
	// EventCutoff (zero: forever).
	KeepLevel   int
	EventCutoff time.Time
}

// Cursor is a position in (start, id) order.
type Cursor struct {
	Start time.Time
	ID    int64
}

// CursorOf is the position of r.
func CursorOf(r *Recording) Cursor { return Cursor{Start: r.Start, ID: r.ID} }

// Usage is what a recorder's live rows hold.
type Usage struct {
	Bytes   int64
	Files   int
	Oldest  time.Time // start of the oldest live row; zero when none
	Streams []StreamUsage
}

// StreamUsage is what one stream path's live rows hold.
type StreamUsage struct {
	StreamPath string
	Bytes      int64
	Files      int
}

// Retired is a row retention removed (StatusDeleted) or found gone
// (StatusMissing), and the rule that decided it.
type Retired struct {
	ID     int64
	Status Status
	Rule   string
	Time   time.Time
}

// MaxEventSpan bounds an event's before and after (the API clamps
// both to 24 h), so overlap searches can use the trigger-time index.
const MaxEventSpan = 24 * time.Hour
