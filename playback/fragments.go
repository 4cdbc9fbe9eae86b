package playback

import (
	"fmt"
)

// Fragment is one moof+mdat of a fragmented MP4 recording: where its
// bytes are and when it plays on the file's timeline (milliseconds).
type Fragment struct {
	Off, Size int64
	DTS, Dur  int64
}

// Fragmented is the layout of a fragmented MP4 recording: the
// initialization section (ftyp+moov) at its start, then its fragments, so
// an HLS playlist can refer to byte ranges of the file itself.
type Fragmented struct {
	InitSize  int64
	Fragments []Fragment
}

// ListFragments reads the layout of the fragmented MP4 file at name, of
// which the first size bytes are read (a file being written: its whole
// fragments on disk). Only one moof is in memory at a time.
func ListFragments(name string, size int64) (*Fragmented, error) {
	return ListFragmentsOf(LocalFiles(name), size)
}

// ListFragmentsOf is ListFragments of the recording fs reads.
func ListFragmentsOf(fs Files, size int64) (*Fragmented, error) {
	f, err := fs.Open("", size)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fr, err := newFMP4Reader(f, size)
	if err != nil {
		return nil, fmt.Errorf("fmp4: %w", err)
	}
	p := fr.parts[0]
	out := &Fragmented{InitSize: p.start}
	fr.off = p.start
	var lastDelta, lastEnd int64
	for {
		ok, err := fr.fragment(p)
		if err != nil {
			return nil, fmt.Errorf("fmp4: %w", err)
		}
		if !ok {
			break
		}
		if len(fr.pending) == 0 {
			continue
		}
		first, last := fr.pending[0].DTS, fr.pending[len(fr.pending)-1].DTS
		if n := len(fr.pending); n > 1 {
			lastDelta = last - fr.pending[n-2].DTS
		}
		if k := len(out.Fragments); k > 0 {
			out.Fragments[k-1].Dur = first - out.Fragments[k-1].DTS
		}
		out.Fragments = append(out.Fragments, Fragment{Off: fr.moofAt, Size: fr.off - fr.moofAt, DTS: first})
		lastEnd = last + lastDelta
	}
	if k := len(out.Fragments); k > 0 {
		out.Fragments[k-1].Dur = max(lastEnd-out.Fragments[k-1].DTS, 0)
	}
	return out, nil
}
