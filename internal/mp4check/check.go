package mp4check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Report is what a checked file holds.
type Report struct {
	Top   []string // top-level box types in file order
	Boxes []Box    // the top-level boxes, in file order
	// Fragmented: the moov has an mvex (an fMP4 file).
	Fragmented bool
	MoovAt     int64 // offset of the moov box
	MdatAt     int64 // offset of the first mdat box; -1 when none
	Tracks     []Track
	Fragments  int   // moof boxes
	Size       int64 // bytes in the file
	// RandomAccess is the number of tfra entries (all tracks); each was
	// checked to point at a moof whose track data starts with a sync
	// sample at the entry's time.
	RandomAccess int
}

// Box is where a top-level box lies in the file.
type Box struct {
	Type      string
	Off, Size int64 // Size counts the header
}

// Track is one track's figures, over the moov's tables and every fragment.
type Track struct {
	ID        uint32
	Handler   string // "vide", "soun"
	Timescale uint32
	Samples   int
	Sync      int // sync samples (every sample when the track has no stss)
	// List is every sample in decode order: the moov's tables, then each
	// fragment's; times on the movie timeline (the edit list applied).
	List []Sample
}

// File checks the file at path. It reads every box but the media and
// padding (mdat, free, skip), so a large recording costs the memory of
// its metadata.
func File(path string) (Report, error) { return FileWith(path, Options{}) }

// Options relax the check for files with a legitimate exception.
type Options struct {
	// AllowGaps accepts a fragment that starts after its track's previous
	// fragment ended (never before): an appended fMP4 continues every
	// track past the end of the longest one, so the shorter track has a
	// gap at the seam.
	AllowGaps bool
}

// FileWith checks the file at path with o.
func FileWith(path string, o Options) (Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return Report{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Report{}, err
	}
	r, err := check(f, st.Size(), o)
	if err != nil {
		return r, fmt.Errorf("mp4check %s: %w", path, err)
	}
	return r, nil
}

// Check checks a whole MP4 or fragmented MP4 file held in b.
func Check(b []byte) (Report, error) { return check(bytes.NewReader(b), int64(len(b)), Options{}) }

func check(r io.ReaderAt, size int64, o Options) (Report, error) {
	rep := Report{MdatAt: -1, Size: size}
	top, err := parseTop(r, size)
	if err != nil {
		return rep, err
	}
	var moov *box
	for _, t := range top {
		rep.Top = append(rep.Top, t.typ)
		rep.Boxes = append(rep.Boxes, Box{Type: t.typ, Off: t.off, Size: t.size})
		switch t.typ {
		case "moov":
			if moov != nil {
				return rep, errors.New("two moov boxes")
			}
			moov, rep.MoovAt = t, t.off
		case "mdat":
			if rep.MdatAt < 0 {
				rep.MdatAt = t.off
			}
		}
	}
	if len(top) == 0 || top[0].typ != "ftyp" {
		return rep, errors.New("the file does not start with ftyp")
	}
	if moov == nil {
		return rep, errors.New("no moov")
	}
	rep.Fragmented = moov.child("mvex") != nil
	f := &file{allowGaps: o.AllowGaps, size: size, top: top, tracks: map[uint32]*trackInfo{}}
	if err := f.readMoov(moov); err != nil {
		return rep, err
	}
	if err := f.checkFragments(); err != nil {
		return rep, err
	}
	if err := f.checkMfra(&rep); err != nil {
		return rep, err
	}
	rep.Fragments = len(f.moofs)
	for _, id := range f.order {
		t := f.tracks[id]
		for i := range t.list {
			t.list[i].DTS += t.shift
			t.list[i].PTS += t.shift
		}
		rep.Tracks = append(rep.Tracks, Track{ID: id, Handler: t.handler, Timescale: t.timescale,
			Samples: t.samples, Sync: t.sync, List: t.list})
	}
	return rep, nil
}

// file is the state of one check.
type file struct {
	allowGaps bool
	size      int64
	top       []*box
	tracks    map[uint32]*trackInfo
	order     []uint32
	moofs     map[int64]*moofInfo // by offset
}

// trackInfo is what the moov says of a track, and the counts so far.
type trackInfo struct {
	handler         string
	timescale       uint32
	trexFlags       uint32 // default sample flags of its fragments
	trexSize        uint32
	trexDuration    uint32
	samples, sync   int
	list            []Sample
	shift           int64 // the edit list's, applied to list at the end
	fragmented      bool
	nextFragmentDTS uint64 // the decode time the next fragment must start at
	seenFragment    bool
}

// inMdat reports whether [off, off+n) lies inside one mdat's payload.
func (f *file) inMdat(off, n int64) bool {
	for _, t := range f.top {
		if t.typ == "mdat" && off >= t.off+t.hdr && off+n <= t.off+t.size {
			return true
		}
	}
	return false
}
