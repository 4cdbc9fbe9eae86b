package fmp4

import (
	"fmt"

	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// Close writes the last fragment, the durations in place and the mfra
// index. It does not close the file. A file that got no sample stays
// empty.
func (m *Muxer) Close() error {
	if err := m.flush(-1, 0, true); err != nil {
		return err
	}
	if m.init == nil {
		return nil
	}
	if err := m.patchDurations(); err != nil {
		return m.fail(err)
	}
	for _, t := range m.tracks {
		if !t.video || len(t.keys) == 0 {
			continue
		}
		b, err := mp4box.Mfra(t.m.ID, t.keys)
		if err != nil {
			return m.fail(fmt.Errorf("build mfra: %w", err))
		}
		n, err := m.f.Writev([][]byte{b})
		m.size += n
		if err != nil {
			return m.fail(fmt.Errorf("write mfra: %w", err))
		}
		break // one mfra: the first video track's key frames
	}
	if m.o.Fsync {
		return m.f.Datasync()
	}
	return nil
}

// Duration is the media duration in milliseconds so far: the end of the
// longest track.
func (m *Muxer) Duration() int64 {
	var d int64
	for _, t := range m.tracks {
		if t.lastDTS >= 0 {
			d = max(d, (t.lastDTS+t.lastDur)/t.m.PerMS())
		}
	}
	return d
}

func (m *Muxer) patchDurations() error {
	media := make([]int64, len(m.tracks))
	for i, t := range m.tracks {
		if t.lastDTS >= 0 {
			media[i] = t.lastDTS + t.lastDur
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
