package playback

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/media"
)

// ErrNothing: no recording covers the range (or nothing before a codec
// change, see Plan.Rest).
var ErrNothing = errors.New("no recorded media in the range")

// gapTolerance is how far apart two files may be and still count as
// continuous: the recorder's split leaves a frame's worth between them.
const gapTolerance = time.Second

// Segment is one recording of a plan.
type Segment struct {
	Row  index.Recording
	Size int64 // bytes on disk when the plan was made
	// Files reads the row's files: this node's disk, or the API of the
	// node that wrote them.
	Files Files
}

// open opens the segment's recording.
func (s Segment) open() (Source, error) { return OpenFiles(s.Row.Format, s.Files, s.Size) }

// Gap is a stretch of the range that no recording covers.
type Gap struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Plan is what an export reads: the recordings of one recorder of a
// stream that cover [Start, End), in order.
type Plan struct {
	Start, End time.Time
	Segments   []Segment
	Gaps       []Gap
	// Rest is set when the codec changes inside the range: the export
	// ends at Rest, and the rest of the range is a separate export.
	Rest         time.Time
	Video, Audio *media.Track
	open         []Source
}

// Request selects what to plan.
type Request struct {
	StreamPath string
	Start, End time.Time
	Recorder   *string // nil: the recorder with the most coverage
	// Files says how to read each row's files; nil: all on this node.
	Files FilesFunc
}

// NewPlan picks the recordings of r from the index.
func NewPlan(ctx context.Context, st index.Store, r Request) (*Plan, error) {
	rows, err := listAll(ctx, st, r)
	if err != nil {
		return nil, err
	}
	rows = bestRecorder(rows, r)
	p := &Plan{Start: r.Start, End: r.End}
	for _, row := range rows {
		if err := p.add(row, r.filesOf(row)); err != nil {
			return nil, err
		}
		if !p.Rest.IsZero() {
			break
		}
	}
	if !p.Rest.IsZero() && !p.Rest.After(p.Start) {
		p.Segments = nil // the codec changes where the range starts: nothing of it before the change
	}
	if len(p.Segments) == 0 {
		return p, ErrNothing
	}
	p.gaps()
	return p, nil
}

// listAll returns every readable row of the stream that overlaps the
// range, oldest first.
func listAll(ctx context.Context, st index.Store, r Request) ([]index.Recording, error) {
	var all []index.Recording
	for page := 1; ; page++ {
		rows, total, err := st.List(ctx, index.Query{StreamPath: r.StreamPath, Start: r.Start, End: r.End,
			Recorder: r.Recorder, Page: page, Size: 500})
		if err != nil {
			return nil, fmt.Errorf("list recordings: %w", err)
		}
		for _, row := range rows {
			if row.Status == index.StatusDone || row.Status == index.StatusRecording {
				all = append(all, row)
			}
		}
		if len(rows) == 0 || page*500 >= total {
			break
		}
	}
	slices.SortFunc(all, func(a, b index.Recording) int { return a.Start.Compare(b.Start) })
	return all, nil
}

// bestRecorder keeps the rows of the recorder that covers most of the
// range, when the request names none.
func bestRecorder(rows []index.Recording, r Request) []index.Recording {
	if r.Recorder != nil {
		return rows
	}
	cover := map[string]time.Duration{}
	best := ""
	for _, row := range rows {
		cover[row.Recorder] += overlap(row, r.Start, r.End)
	}
	for name, d := range cover {
		if d > cover[best] || d == cover[best] && name < best {
			best = name
		}
	}
	return slices.DeleteFunc(rows, func(row index.Recording) bool { return row.Recorder != best })
}

// end is when a row's media ends on the wall clock.
func end(row index.Recording) time.Time {
	if row.Duration > 0 {
		return row.Start.Add(row.Duration)
	}
	if !row.End.IsZero() {
		return row.End
	}
	return time.Now()
}

func overlap(row index.Recording, s, e time.Time) time.Duration {
	a, b := maxTime(row.Start, s), minTime(end(row), e)
	return max(b.Sub(a), 0)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// filesOf is how to read row's files.
func (r Request) filesOf(row index.Recording) Files {
	if r.Files == nil {
		return LocalFiles(row.Path)
	}
	return r.Files(row)
}

// add appends a row, or sets Rest when its codecs differ from the first.
func (p *Plan) add(row index.Recording, files Files) error {
	size := int64(0)
	if row.Format != "hls" {
		var err error
		if size, err = files.Size(""); errors.Is(err, fs.ErrNotExist) {
			return nil // a file gone since it was indexed: a gap
		} else if err != nil {
			return fmt.Errorf("recording %d: %w", row.ID, err)
		}
	}
	src, err := OpenFiles(row.Format, files, size)
	if err != nil {
		return fmt.Errorf("recording %d: %w", row.ID, err)
	}
	v, a := src.Tracks()
	src.Close()
	if v == nil && a == nil {
		return nil
	}
	if len(p.Segments) == 0 {
		p.Video, p.Audio = v, a
	} else if !same(p.Video, v) || !same(p.Audio, a) {
		p.Rest = maxTime(row.Start, p.Start)
		return nil
	}
	p.Segments = append(p.Segments, Segment{Row: row, Size: size, Files: files})
	return nil
}

func same(a, b *media.Track) bool { return a == nil && b == nil || a.SameParams(b) }

// gaps lists the parts of the range between Start and where the plan
// ends that no segment covers.
func (p *Plan) gaps() {
	stop := p.End
	if !p.Rest.IsZero() {
		stop = p.Rest
	}
	rows := make([]index.Recording, len(p.Segments))
	for i, s := range p.Segments {
		rows[i] = s.Row
	}
	p.Gaps = gapsOf(rows, p.Start, stop)
}

// gapsOf lists the parts of [start, stop) that no row (oldest first)
// covers, beyond gapTolerance.
func gapsOf(rows []index.Recording, start, stop time.Time) []Gap {
	var gaps []Gap
	at := start
	for _, r := range rows {
		if r.Start.Sub(at) > gapTolerance {
			gaps = append(gaps, Gap{Start: at, End: minTime(r.Start, stop)})
		}
		at = maxTime(at, end(r))
	}
	if stop.Sub(at) > gapTolerance {
		gaps = append(gaps, Gap{Start: at, End: stop})
	}
	return gaps
}

// Coverage is what the index says covers the range, without reading any
// file: the rows of the recorder an export would use (oldest first,
// whatever their codecs) and the gaps between them, for a day view.
func Coverage(ctx context.Context, st index.Store, r Request) ([]index.Recording, []Gap, error) {
	rows, err := listAll(ctx, st, r)
	if err != nil {
		return nil, nil, err
	}
	rows = bestRecorder(rows, r)
	return rows, gapsOf(rows, r.Start, r.End), nil
}
