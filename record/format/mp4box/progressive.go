package mp4box

import "io"

// MoovTrack is one track of a progressive movie header: its mapping and
// what its samples were.
type MoovTrack struct {
	Track   *Track
	Stats   *Stats
	StartMS int64 // the track's first decode time from the movie start
}

// Moov is a progressive movie header laid out with holes for the sample
// tables, which WriteTables streams into it.
type Moov struct {
	Layout
	tracks []MoovTrack
	holes  []tableHoles
}

// minDur is a one-sample track's duration: one millisecond.
func minDur(t *Track) int64 { return t.PerMS() }

// BuildMoov lays out the moov box of tracks.
func BuildMoov(tracks []MoovTrack) (*Moov, error) {
	var dur int64
	for _, t := range tracks {
		d := t.StartMS + (t.Stats.MediaDuration(minDur(t.Track))+t.Track.PerMS()-1)/t.Track.PerMS()
		dur = max(dur, d)
	}
	b := newBuilder()
	b.start("moov")
	mvhd(b, dur, uint32(len(tracks)+1))
	m := &Moov{tracks: tracks}
	for _, t := range tracks {
		md := t.Stats.MediaDuration(minDur(t.Track))
		trakHeader(b, t.Track, t.StartMS+md/t.Track.PerMS(), md, t.StartMS)
		m.holes = append(m.holes, holes(b, t.Stats))
		trakEnd(b)
	}
	b.end()
	l, err := b.layout()
	if err != nil {
		return nil, err
	}
	m.Layout = l
	return m, nil
}

// TableWriters returns one writer per track that streams its tables into
// the moov written at base in w. Feed each with its track's samples in
// order, then Finish them.
func (m *Moov) TableWriters(w io.WriterAt, base int64) []*TableWriter {
	out := make([]*TableWriter, len(m.tracks))
	for i, t := range m.tracks {
		out[i] = newTableWriter(w, base, m.holes[i], t.Stats, minDur(t.Track))
	}
	return out
}

// Ftyp returns the file type box of a progressive file.
func Ftyp() []byte {
	b := newBuilder()
	ftyp(b, false)
	l, _ := b.layout()
	return l.Bytes()
}

// FtypFragmented returns the file type box of a fragmented file.
func FtypFragmented() []byte {
	b := newBuilder()
	ftyp(b, true)
	l, _ := b.layout()
	return l.Bytes()
}

// Free returns a free box header for n bytes in all (n ≥ 8).
func Free(n int64) []byte {
	var h [8]byte
	putHeader(h[:], uint32(n), "free")
	return h[:]
}

func putHeader(h []byte, size uint32, typ string) {
	h[0], h[1], h[2], h[3] = byte(size>>24), byte(size>>16), byte(size>>8), byte(size)
	copy(h[4:8], typ)
}
