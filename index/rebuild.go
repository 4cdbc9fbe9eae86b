package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// Root is one recorder's record path as rebuild walks it.
type Root struct {
	Dir      string // record_path: the recording root
	App      string
	Recorder string
	Format   string
	// Suffix is record_suffix; with Timed (strftime verbs in it) only its
	// extension is matched.
	Suffix string
	Timed  bool
	Unique bool // record_unique: names carry the Unix second of the open
}

// Rebuilt counts what Rebuild did.
type Rebuilt struct {
	Added, Updated, Missing, Skipped int
	Replayed                         int // journal entries applied
}

// Rebuild (re)creates rows from the files under roots, then replays the
// journal at journal (absent is fine). It is idempotent: a file with a
// live row keeps its id, pin and event fields and gets the file's
// figures; a live row whose file is gone becomes missing. Which files are
// recordings is recfile's rule (regular files below a root, no component
// hidden, named with the recorder's suffix; under an hls recorder's root
// the directory recordings instead), of those that read as the format; a
// recording a live writer holds is left out. It writes to out one line
// per recording and per fact it could not determine.
func Rebuild(ctx context.Context, s Store, roots []Root, journal string, out io.Writer) (Rebuilt, error) {
	var sum Rebuilt
	live, _, err := s.List(ctx, Query{Node: NodeOf(s), Size: all}) // a shared index: this node's files only
	if err != nil {
		return sum, err
	}
	byPath := make(map[string]Recording, len(live))
	for _, r := range live {
		if r.Status != StatusMissing {
			byPath[r.Path] = r
		}
	}
	seen := map[string]bool{}
	for _, root := range roots {
		if err := walkRoot(ctx, s, root, byPath, seen, out, &sum); err != nil {
			return sum, err
		}
	}
	for p, r := range byPath {
		if seen[p] || r.Status == StatusDeleted {
			continue
		}
		r.Status, r.Updated = StatusMissing, time.Now()
		if err := s.Put(ctx, &r); err != nil {
			return sum, err
		}
		sum.Missing++
		fmt.Fprintf(out, "missing  %s (row %d: the file is gone)\n", p, r.ID)
	}
	n, err := replay(ctx, s, journal, out)
	sum.Replayed = n
	return sum, err
}

// walkRoot rebuilds the rows of root's recordings, found by recfile's
// rule (the recorder's names below the root, nothing hidden): files, or
// for an hls recorder directory recordings. A recording a live writer
// holds is left out (its row, if any, is kept as it is).
func walkRoot(ctx context.Context, s Store, root Root, byPath map[string]Recording, seen map[string]bool, out io.Writer, sum *Rebuilt) error {
	if _, err := os.Stat(root.Dir); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(out, "absent   %s (record_path of %s)\n", root.Dir, root.describe())
		return nil
	}
	rr := recfile.Root{Dir: root.Dir, Suffix: root.Suffix, Timed: root.Timed}
	walk, busy := recfile.Walk, recfile.Busy
	if root.Format == "hls" {
		walk, busy = recfile.WalkDirs, recfile.BusyDir
	}
	return walk(rr, func(p string) error {
		if seen[p] {
			return nil
		}
		seen[p] = true
		if b, _ := busy(p); b {
			sum.Skipped++
			fmt.Fprintf(out, "skipped  %s: being written by another process\n", p)
			return nil
		}
		return rebuildFile(ctx, s, root, p, byPath, out, sum)
	})
}

func (root Root) describe() string {
	if root.Recorder == "" {
		return "application " + root.App
	}
	return fmt.Sprintf("recorder %s of application %s", root.Recorder, root.App)
}

func rebuildFile(ctx context.Context, s Store, root Root, p string, byPath map[string]Recording, out io.Writer, sum *Rebuilt) error {
	facts, err := probeFrames(root.Format, p)
	if err != nil {
		sum.Skipped++
		fmt.Fprintf(out, "skipped  %s: %v\n", p, err)
		return nil
	}
	r, ok := byPath[p]
	if !ok {
		r = fromFile(root, p, facts, out)
	} else if r.Status == StatusMissing || r.Status == StatusFailed {
		r.Status = StatusDone
	}
	facts.Fill(&r)
	r.Updated = time.Now()
	if err := s.Put(ctx, &r); err != nil {
		return err
	}
	if ok {
		sum.Updated++
		fmt.Fprintf(out, "updated  %s (row %d)\n", p, r.ID)
	} else {
		sum.Added++
		fmt.Fprintf(out, "added    %s (row %d, stream %s)\n", p, r.ID, r.StreamPath)
	}
	return nil
}

// fromFile makes a new row from what the file's name and content tell.
func fromFile(root Root, p string, facts Facts, out io.Writer) Recording {
	name, stamp, stamped, guessed := streamName(root, p)
	if guessed {
		fmt.Fprintf(out, "note     %s: stream name %q taken from the file name; a \"-N\" ending is read as a split piece only when the base file is there\n", p, name)
	}
	r := Recording{App: root.App, Name: name, StreamPath: StreamPathOf(root.App, name), Recorder: root.Recorder,
		Format: root.Format, Path: p, Status: StatusDone, End: facts.ModTime.UTC()}
	if r.Format == "" {
		r.Format = "flv"
	}
	switch {
	case !facts.Start.IsZero(): // written in the recording (HLS)
		r.Start = facts.Start.UTC()
	case stamp > 0:
		r.Start = time.Unix(stamp, 0).UTC()
	case !stamped.IsZero():
		r.Start = stamped.UTC()
	default:
		r.Start = facts.ModTime.Add(-facts.Duration).UTC()
		fmt.Fprintf(out, "note     %s: start time is the modification time minus the media duration (no record_unique stamp)\n", p)
	}
	if facts.Unfinished {
		r.Reason = ReasonCrash
		fmt.Fprintf(out, "note     %s: %s\n", p, unfinishedNote(r.Format))
	}
	return r
}

// unfinishedNote says what rebuild read of a recording a crash left
// unfinished.
func unfinishedNote(format string) string {
	if format == "hls" {
		return "the playlist was not finished (no #EXT-X-ENDLIST: a crash); figures are those of the segments it lists"
	}
	return "the file was not finished (a crash); figures are those of its whole tags"
}

var (
	counterRE = regexp.MustCompile(`-([1-9][0-9]*)$`)
	stampRE   = regexp.MustCompile(`-([0-9]{9,11})$`)
)

// streamName undoes the recorder's naming: escaped name, "-" Unix second
// with record_unique, "-N" for a taken name, then the suffix. guessed
// reports an ambiguity the file name cannot settle.
func streamName(root Root, p string) (name string, stamp int64, stamped time.Time, guessed bool) {
	base := filepath.Base(p)
	stem := strings.TrimSuffix(base, root.Suffix)
	if root.Timed {
		stem, stamped, _ = newTimedSuffix(root.Suffix).split(base)
	}
	if m := counterRE.FindStringSubmatch(stem); m != nil {
		without := stem[:len(stem)-len(m[0])]
		if root.Unique && stampRE.MatchString(without) || siblingExists(p, without+strings.TrimPrefix(base, stem)) {
			stem = without
		} else if !root.Unique {
			guessed = true
		}
	}
	if root.Unique {
		if m := stampRE.FindStringSubmatch(stem); m != nil {
			stamp, _ = strconv.ParseInt(m[1], 10, 64)
			stem = stem[:len(stem)-len(m[0])]
		}
	}
	if un, err := url.PathUnescape(stem); err == nil {
		stem = un
	}
	return stem, stamp, stamped, guessed
}

func siblingExists(p, base string) bool {
	_, err := os.Lstat(filepath.Join(filepath.Dir(p), base))
	return err == nil
}

// replay applies the journal's entries in order.
func replay(ctx context.Context, s Store, journal string, out io.Writer) (int, error) {
	f, err := os.Open(journal)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	entries, err := ReadJournal(f)
	if err != nil {
		return 0, fmt.Errorf("index journal %s: %w", journal, err)
	}
	deleted, _, err := s.List(ctx, Query{Status: StatusDeleted, Node: NodeOf(s), Size: all})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		ok, err := replayOne(ctx, s, e, &deleted)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		} else {
			fmt.Fprintf(out, "journal  %s %s: no row to apply it to\n", e.Op, e.Path)
		}
	}
	return n, nil
}

func replayOne(ctx context.Context, s Store, e JournalEntry, deleted *[]Recording) (bool, error) {
	if e.Op == OpDelete {
		if e.Row == nil {
			return false, nil
		}
		for _, d := range *deleted {
			if d.Path == e.Row.Path && d.Start.Equal(e.Row.Start) {
				return true, nil // already there: idempotent
			}
		}
		r := *e.Row
		r.ID, r.Status, r.Updated = 0, StatusDeleted, e.Time
		*deleted = append(*deleted, r)
		return true, s.Put(ctx, &r)
	}
	r, err := s.Live(ctx, e.Path)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch e.Op {
	case OpPin, OpUnpin:
		r.Pinned = e.Op == OpPin
	case OpEvent:
		if e.Event != nil {
			return true, replayEvent(ctx, s, r, e.Event)
		}
		if e.Row != nil {
			r.EventID, r.EventName, r.EventDesc, r.EventLevel = e.Row.EventID, e.Row.EventName, e.Row.EventDesc, e.Row.EventLevel
		}
	}
	return true, s.Put(ctx, &r)
}

// replayEvent gives row r the event ev unless it has it already (the
// same id, trigger and offset): replaying twice adds nothing.
func replayEvent(ctx context.Context, s Store, r Recording, ev *Event) error {
	have, _, err := s.Events(ctx, EventQuery{RecordingIDs: []int64{r.ID}})
	if err != nil {
		return err
	}
	for _, h := range have {
		if h.EventID == ev.EventID && h.Trigger.Equal(ev.Trigger) && h.Offset == ev.Offset {
			return nil
		}
	}
	return s.Apply(ctx, []Change{{Kind: EventMarked, Row: r, Event: ev}})
}
