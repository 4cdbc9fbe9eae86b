package fmp4

import (
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// Resume returns a muxer that continues the scanned file at f after its
// last whole fragment: f must already be cut there and positioned at
// sc.End. Its tracks are the file's; Close writes the durations and an
// mfra of every key frame, old and new.
func Resume(f File, sc *Scanned, o Options) *Muxer {
	m := New(f, o)
	tkhd, mdhd := make([]int64, len(sc.Tracks)), make([]int64, len(sc.Tracks))
	for i, st := range sc.Tracks {
		tkhd[i], mdhd[i] = st.TkhdAt, st.MdhdAt
		mt := &mp4box.Track{ID: st.ID, Kind: st.Kind, Timescale: st.Timescale}
		m.tracks = append(m.tracks, &track{m: mt, lastDTS: st.LastDTS, lastDur: st.LastDur, doneDTS: st.LastDTS, doneDur: st.LastDur,
			keys: append([]mp4box.RandomAccess(nil), st.Keys...), video: st.Kind == media.KindVideo})
	}
	m.init = mp4box.ResumeInit(sc.MvhdAt, sc.MehdAt, tkhd, mdhd)
	m.size, m.seq = sc.End, sc.Seq
	return m
}

// Repaired says what Repair did to a file.
type Repaired struct {
	Cut        int64 // bytes of a torn tail (or an old mfra) removed
	DurationMS int64 // media duration of the finished file
	Samples    int64
	Fragments  int
	Size       int64 // the finished file's size
	Done       bool  // the file was already finished: nothing written
}

// Repair finishes a fragmented MP4 file that was not closed (a crash):
// a torn last fragment is cut off, then the durations and the mfra are
// written as Close does. A finished file is left as it is. A file that
// is not ours or is damaged before its tail fails with an error and is
// not written to.
func Repair(s format.Sink) (Repaired, error) {
	size, err := s.Seek(0, io.SeekEnd)
	if err != nil {
		return Repaired{}, err
	}
	sc, err := Scan(s, size)
	if err != nil {
		return Repaired{}, err
	}
	res := Repaired{DurationMS: sc.EndMS(), Fragments: sc.Fragments, Size: size}
	for _, t := range sc.Tracks {
		res.Samples += t.Samples
	}
	if sc.Finished() {
		res.Done = true
		return res, nil
	}
	if err := cutAt(s, sc.End); err != nil {
		return res, err
	}
	res.Cut = size - sc.End
	m := Resume(s, sc, Options{})
	if err := m.Close(); err != nil {
		return res, fmt.Errorf("finish: %w", err)
	}
	res.Size = m.size
	return res, s.Datasync()
}

// cutAt truncates s to end and puts its write offset there.
func cutAt(s format.Sink, end int64) error {
	if err := s.Truncate(end); err != nil {
		return fmt.Errorf("cut torn tail: %w", err)
	}
	if _, err := s.Seek(end, io.SeekStart); err != nil {
		return fmt.Errorf("cut torn tail: %w", err)
	}
	return nil
}
