package record

import "time"

// FileEventKind says what happened to a file besides its close (which the
// record-done Event tells).
type FileEventKind uint8

// Kinds of FileEvent.
const (
	FileOpened      FileEventKind = iota + 1 // a file was opened for writing (created, or opened to append)
	FileDiscarded                            // a file this recorder created got no media and was removed at close
	FileEventMarked                          // an event was recorded into the file: Event says which and where
)

// FileEvent tells the index that a file was opened or discarded, so it
// can show a recording while it is being written. Events of one stream
// arrive in order with its record-done Events.
type FileEvent struct {
	Kind     FileEventKind
	Recorder string // recorder name, "" for the application's inline recorder
	App      string
	Name     string // stream name as published
	Path     string
	Time     time.Time // wall clock
	Format   string    // container: "flv"
	// Event is the event of a FileEventMarked; nil otherwise.
	Event *EventMark
}

// FileEvents registers fn to receive every FileEvent. Like Events, fn
// runs on the goroutine that opened or closed the file, after the
// recorder's lock is released, and must not block: hand the event to a
// queue.
func (m *Module) FileEvents(fn func(FileEvent)) {
	m.mu.Lock()
	m.fileSubs = append(m.fileSubs, fn)
	m.mu.Unlock()
}

func (m *Module) emitFile(ev FileEvent) {
	m.mu.Lock()
	subs := m.fileSubs
	m.mu.Unlock()
	for _, fn := range subs {
		fn(ev)
	}
}

// pendingEvent is a record-done Event or a FileEvent queued under the
// hook's lock, delivered in order after it.
type pendingEvent struct {
	done Event
	file *FileEvent
}

// fileEvent queues a FileEvent of n's current file.
func (n *node) fileEvent(k FileEventKind, at time.Time) {
	n.h.done = append(n.h.done, pendingEvent{file: &FileEvent{Kind: k, Recorder: n.rec.Name,
		App: n.h.key.app, Name: n.h.key.name, Path: n.path, Time: at, Format: n.format()}})
}
