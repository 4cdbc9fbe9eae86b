package fmp4

import (
	"errors"
	"fmt"

	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// Close writes the last fragment, the durations in place and the mfra
// index. It does not close the file. A file that got no sample stays
// empty. After a write error (a full disk) it still finishes what
// reached the file whole: the durations are written in place, and an
// mfra that does not fit is cut off again (the file stays valid, and
// repair adds it later).
func (m *Muxer) Close() error {
	werr := m.flush(-1, 0, true)
	if m.init == nil {
		return werr
	}
	if err := m.patchDurations(); err != nil {
		return errors.Join(werr, err)
	}
	for _, t := range m.tracks {
		if !t.video || len(t.keys) == 0 {
			continue
		}
		b, err := mp4box.Mfra(t.m.ID, t.keys)
		if err != nil {
			return errors.Join(werr, fmt.Errorf("build mfra: %w", err))
		}
		if err := m.write([][]byte{b}); err != nil {
			return errors.Join(werr, fmt.Errorf("write mfra: %w", err))
		}
		break // one mfra: the first video track's key frames
	}
	if m.o.Fsync {
		return errors.Join(werr, m.f.Datasync())
	}
	return werr
}

// Duration is the media duration in milliseconds in the file so far: the
// end of the longest track.
func (m *Muxer) Duration() int64 {
	var d int64
	for _, t := range m.tracks {
		if t.doneDTS >= 0 {
			d = max(d, (t.doneDTS+t.doneDur)/t.m.PerMS())
		}
	}
	return d
}

func (m *Muxer) patchDurations() error {
	media := make([]int64, len(m.tracks))
	for i, t := range m.tracks {
		if t.doneDTS >= 0 {
			media[i] = t.doneDTS + t.doneDur
		}
	}
	var b [8]byte
	for _, p := range m.init.Patches(m.Duration(), media) {
		be.PutUint64(b[:], p.Val)
		if _, err := m.f.WriteAt(b[:], p.Off); err != nil {
			return fmt.Errorf("write durations: %w", err)
		}
	}
	return nil
}
