package hls

import (
	"errors"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/fmp4"
)

// fmp4Seg writes CMAF segments: moof+mdat fragments (of at most about a
// second, a key frame starting one) through package fmp4, whose decode
// times run on across segments; the initialization segment goes to its
// own file.
type fmp4Seg struct{ m *fmp4.Muxer }

func newFMP4Seg(r *router, m *muxer, o format.Options) *fmp4Seg {
	return &fmp4Seg{m: fmp4.New(r, fmp4.Options{Log: o.Log, Init: initSink{m}})}
}

func (s *fmp4Seg) addTrack(t *media.Track) (int, error) {
	i, err := s.m.AddTrack(t)
	if errors.Is(err, fmp4.ErrLateTrack) {
		return i, errLate
	}
	return i, err
}

func (s *fmp4Seg) write(i int, ms int64, cts int32, key bool, u *media.Unit) error {
	return s.m.Write(i, ms, cts, key, u.Data)
}

func (s *fmp4Seg) begin() error                         { return nil }
func (s *fmp4Seg) flush() error                         { return s.m.Flush() }
func (s *fmp4Seg) finish(track int, nextMS int64) error { return s.m.FlushEnd(track, nextMS) }
func (s *fmp4Seg) ext() string                          { return ".m4s" }
func (s *fmp4Seg) pending() int64                       { return s.m.Buffered() }
