package fmp4

import (
	"bytes"
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// Bounds of what a scan reads into memory: our movie headers are a few
// KiB, our fragments' moofs at most 16 bytes per sample of a MiB.
const (
	maxMoov   = 1 << 20
	maxMoof   = 4 << 20
	maxTracks = 16
)

// Tail is what follows the last whole fragment of a file.
type Tail int

// Tails.
const (
	TailNone Tail = iota // the file ends with a whole fragment (or the init segment)
	TailMfra             // a whole mfra: the file was closed
	TailTorn             // a box cut short: a crash during a write
)

// Scanned is what an existing fragmented MP4 file holds, as repair and
// record_append need it: its tracks as the init segment declares them,
// where each track's timeline ends, its key frames, and where the whole
// fragments end.
type Scanned struct {
	Tracks     []*ScannedTrack
	MvhdAt     int64 // file offsets of the 64-bit duration fields
	MehdAt     int64
	DurationMS int64 // the movie duration written at close; 0 before
	Seq        uint32
	Fragments  int
	End        int64 // end of the last whole fragment, or of the moov
	Tail       Tail
	Size       int64 // the file's size when scanned
}

// ScannedTrack is one track of a scanned file.
type ScannedTrack struct {
	ID        uint32
	Kind      media.Kind
	Timescale uint32
	Entry     []byte // the sample entry box, as written
	TkhdAt    int64
	MdhdAt    int64
	Samples   int64
	FirstDTS  int64 // decode time of the first sample, track units; -1: none
	LastDTS   int64 // decode time of the last sample, track units; -1: none
	LastDur   int64
	Keys      []mp4box.RandomAccess
}

// Finished reports whether the file was closed: an mfra follows the
// fragments, or, for a file without video key frames (which gets none),
// its duration was written.
func (s *Scanned) Finished() bool {
	if s.Tail != TailNone {
		return s.Tail == TailMfra
	}
	for _, t := range s.Tracks {
		if t.Kind == media.KindVideo && len(t.Keys) > 0 {
			return false
		}
	}
	return s.DurationMS > 0
}

// EndMS is where the timeline ends: the end of the longest track in
// milliseconds, rounded up so that a continuation never overlaps.
func (s *Scanned) EndMS() int64 {
	var end int64
	for _, t := range s.Tracks {
		if t.LastDTS >= 0 {
			per := int64(t.Timescale / 1000)
			end = max(end, (t.LastDTS+t.LastDur+per-1)/per)
		}
	}
	return end
}

// Scan reads the fragmented MP4 file r of size bytes. It fails with
// errDamaged for anything but our layout (ftyp, moov with mvex, moof+mdat
// pairs, an optional mfra) up to a torn tail.
func Scan(r io.ReaderAt, size int64) (*Scanned, error) {
	ft, err := readBox(r, 0, size)
	if err != nil || ft.typ != "ftyp" {
		return nil, fmt.Errorf("%w: no ftyp", errDamaged)
	}
	mv, buf, err := readMoov(r, ft.end(), size)
	if err != nil {
		return nil, err
	}
	s := &Scanned{Size: size, End: mv.end()}
	if err := s.movie(buf, int(mv.off)+8); err != nil {
		return nil, err
	}
	return s, s.fragments(r)
}

// readMoov reads the moov that must follow the ftyp at off. A progressive
// file (its moov room, a moov larger than any initialization segment)
// gives ErrNotFragmented.
func readMoov(r io.ReaderAt, off, size int64) (boxAt, []byte, error) {
	mv, err := readBox(r, off, size)
	switch {
	case err == nil && (mv.typ == "free" || mv.typ == "mdat" || mv.typ == "moov" && mv.size > maxMoov):
		return mv, nil, ErrNotFragmented
	case err != nil || mv.typ != "moov" || mv.hdr != 8:
		return mv, nil, fmt.Errorf("%w: no whole moov after ftyp", errDamaged)
	}
	buf := make([]byte, mv.size-8)
	if _, err := r.ReadAt(buf, mv.off+8); err != nil {
		return mv, nil, fmt.Errorf("read moov: %w", err)
	}
	return mv, buf, nil
}

// movie reads the moov's body (at file offset base).
func (s *Scanned) movie(b []byte, base int) error {
	cs, err := children(b, base)
	if err != nil {
		return err
	}
	mvhd, ok := find(cs, "mvhd")
	if !ok || len(mvhd.body) < 4+8+8+4+8 || mvhd.body[0] != 1 {
		return fmt.Errorf("%w: no version 1 mvhd", errDamaged)
	}
	s.MvhdAt = int64(mvhd.off) + mvhdDurationAt
	s.DurationMS = int64(be.Uint64(mvhd.body[4+8+8+4:]))
	mehd, err := path(b, base, "mvex", "mehd")
	if err != nil || len(mehd.body) < 12 || mehd.body[0] != 1 {
		return ErrNotFragmented
	}
	s.MehdAt = int64(mehd.off) + 12
	for _, c := range cs {
		if c.typ != "trak" {
			continue
		}
		if len(s.Tracks) == maxTracks {
			return fmt.Errorf("%w: more than %d tracks", errDamaged, maxTracks)
		}
		t, err := scanTrak(c.body, c.off+8)
		if err != nil {
			return err
		}
		s.Tracks = append(s.Tracks, t)
	}
	if len(s.Tracks) == 0 {
		return fmt.Errorf("%w: no track", errDamaged)
	}
	return nil
}

// Offsets of fields in version 1 boxes, from the box start.
const (
	mvhdDurationAt = 8 + 4 + 8 + 8 + 4
	tkhdIDAt       = 8 + 4 + 8 + 8
	tkhdDurationAt = tkhdIDAt + 4 + 4
	mdhdScaleAt    = 8 + 4 + 8 + 8
	mdhdDurationAt = mdhdScaleAt + 4
)

func scanTrak(b []byte, base int) (*ScannedTrack, error) {
	t := &ScannedTrack{FirstDTS: -1, LastDTS: -1}
	tkhd, err := path(b, base, "tkhd")
	if err != nil || len(tkhd.body) < tkhdDurationAt-8+8 || tkhd.body[0] != 1 {
		return nil, fmt.Errorf("%w: no version 1 tkhd", errDamaged)
	}
	t.ID, t.TkhdAt = be.Uint32(tkhd.body[tkhdIDAt-8:]), int64(tkhd.off)+tkhdDurationAt
	mdhd, err := path(b, base, "mdia", "mdhd")
	if err != nil || len(mdhd.body) < mdhdDurationAt-8+8 || mdhd.body[0] != 1 {
		return nil, fmt.Errorf("%w: no version 1 mdhd", errDamaged)
	}
	t.Timescale, t.MdhdAt = be.Uint32(mdhd.body[mdhdScaleAt-8:]), int64(mdhd.off)+mdhdDurationAt
	if t.Timescale == 0 || t.Timescale%1000 != 0 {
		return nil, fmt.Errorf("%w: timescale %d", errDamaged, t.Timescale)
	}
	hdlr, err := path(b, base, "mdia", "hdlr")
	if err != nil || len(hdlr.body) < 12 {
		return nil, fmt.Errorf("%w: no hdlr", errDamaged)
	}
	switch string(hdlr.body[8:12]) {
	case "vide":
		t.Kind = media.KindVideo
	case "soun":
		t.Kind = media.KindAudio
	default:
		return nil, fmt.Errorf("%w: handler %q", errDamaged, hdlr.body[8:12])
	}
	stsd, err := path(b, base, "mdia", "minf", "stbl", "stsd")
	if err != nil || len(stsd.body) < 8 {
		return nil, fmt.Errorf("%w: no stsd", errDamaged)
	}
	entries, err := children(stsd.body[8:], 0)
	if err != nil || len(entries) != 1 {
		return nil, fmt.Errorf("%w: stsd without one sample entry", errDamaged)
	}
	e := entries[0]
	t.Entry = bytes.Clone(stsd.body[8+e.off : 8+e.off+8+len(e.body)])
	return t, nil
}

// track returns the scanned track with ID id.
func (s *Scanned) track(id uint32) (int, *ScannedTrack) {
	for i, t := range s.Tracks {
		if t.ID == id {
			return i, t
		}
	}
	return -1, nil
}
