package index

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// JournalOp names what a journal entry records.
type JournalOp string

// Operations the files cannot tell, so the journal keeps them.
const (
	OpPin    JournalOp = "pin"    // the live row at Path was pinned
	OpUnpin  JournalOp = "unpin"  // ... unpinned
	OpDelete JournalOp = "delete" // the row (Row) was deleted through the API, its file removed
	OpEvent  JournalOp = "event"  // the live row at Path got the event fields of Row, or the event Event
)

// JournalEntry is one line of the journal.
type JournalEntry struct {
	Time time.Time  `json:"time"`
	Op   JournalOp  `json:"op"`
	Path string     `json:"path"`
	Row  *Recording `json:"row,omitempty"`
	// Event is an event recorded into the file at Path (OpEvent).
	Event *Event `json:"event,omitempty"`
}

// Journal is an append-only file of JSON lines beside the database,
// fsynced at every entry, that rebuild replays: deleting the database
// loses nothing that the files and the journal cannot restore.
type Journal struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

// JournalPath is the journal of the database at db.
func JournalPath(db string) string { return db + ".journal" }

// OpenJournal opens (creating) the journal at path for appending.
func OpenJournal(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("index journal: %w", err)
	}
	return &Journal{path: path, f: f}, nil
}

// Append writes e and makes it durable before returning.
func (j *Journal) Append(e JournalEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("index journal %s: %w", j.path, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("index journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("index journal %s: fsync: %w", j.path, err)
	}
	return nil
}

// AppendAll writes es with one fsync: a batch of removals costs one
// flush, not one per row.
func (j *Journal) AppendAll(es []JournalEntry) error {
	var buf []byte
	for _, e := range es {
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("index journal %s: %w", j.path, err)
		}
		buf = append(append(buf, b...), '\n')
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(buf); err != nil {
		return fmt.Errorf("index journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("index journal %s: fsync: %w", j.path, err)
	}
	return nil
}

// Close closes the journal.
func (j *Journal) Close() error { return j.f.Close() }

// maxJournalLine bounds one entry: a row is well under 64 KiB.
const maxJournalLine = 1 << 20

// ReadJournal reads every entry of r in order. A torn last line (a crash
// mid-append) is ignored; a bad line elsewhere is an error naming it.
func ReadJournal(r io.Reader) ([]JournalEntry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxJournalLine)
	var out []JournalEntry
	var bad error
	for line := 1; sc.Scan(); line++ {
		if bad != nil {
			return nil, bad
		}
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e JournalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || !e.Op.valid() {
			bad = fmt.Errorf("line %d: not a journal entry: %v", line, errors.Join(err, e.Op.check()))
			continue
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil // a bad last line is a torn append
}

func (op JournalOp) valid() bool { return op.check() == nil }

func (op JournalOp) check() error {
	switch op {
	case OpPin, OpUnpin, OpDelete, OpEvent:
		return nil
	}
	return fmt.Errorf("unknown op %q", op)
}
