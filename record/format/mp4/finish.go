package mp4

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// Finished says how a file was finished.
type Finished struct {
	Samples    int64
	DurationMS int64
	Size       int64 // the file's final size
	Outgrew    bool  // the moov is after the mdat: the room was too small
	Cut        int64 // bytes past the last whole sample that were cut off
}

// finisher lays the moov of a file out from its journal. Close and
// Repair share it, so a crash and a clean close end in the same file.
type finisher struct {
	f        File
	head     journalHead
	fileSize int64 // bytes of the file that hold data (samples past it are lost)
	journal  func() (io.Reader, error)
	mapTrack func(i int, rec trackRec) (*mp4box.Track, error)
}

// tallied is what the first pass over the journal learned.
type tallied struct {
	tracks  []*mp4box.Track
	stats   []mp4box.Stats
	first   []int64
	samples int64
	dataEnd int64
}

// tally reads the journal: tracks, and statistics of every sample that
// lies whole in the file.
func (fn *finisher) tally() (*tallied, error) {
	r, err := fn.journal()
	if err != nil {
		return nil, err
	}
	jr, err := newJournalReader(r)
	if err != nil {
		return nil, err
	}
	tl := &tallied{dataEnd: fn.head.mdatOff + mdatHeader}
	for {
		s, t, isTrack, err := jr.next()
		if err != nil {
			break // the end, a torn record or damage: what came before stands
		}
		if isTrack {
			mt, err := fn.mapTrack(int(t.track), t)
			if err != nil {
				return nil, fmt.Errorf("track %d: %w", t.track, err)
			}
			tl.tracks, tl.stats, tl.first = append(tl.tracks, mt), append(tl.stats, mp4box.Stats{}), append(tl.first, 0)
			continue
		}
		if tl.dataEnd+int64(s.size) > fn.fileSize {
			break
		}
		st := &tl.stats[s.track]
		if st.N == 0 {
			tl.first[s.track] = s.dts
		}
		per := tl.tracks[s.track].PerMS()
		st.Add(s.dts*per, int64(s.cts)*per, s.key)
		tl.dataEnd += int64(s.size)
		tl.samples++
	}
	return tl, nil
}

// run finishes the file: mdat size, moov in its room or after the mdat,
// the rest of the room as free.
func (fn *finisher) run() (Finished, error) {
	tl, err := fn.tally()
	if err != nil {
		return Finished{}, err
	}
	var mt []mp4box.MoovTrack
	idx := make([]int, len(tl.tracks)) // journal track → moov track, -1 when empty
	var dur int64
	for i, t := range tl.tracks {
		idx[i] = -1
		if tl.stats[i].N > 0 {
			idx[i] = len(mt)
			mt = append(mt, mp4box.MoovTrack{Track: t, Stats: &tl.stats[i], StartMS: tl.first[i]})
			dur = max(dur, tl.first[i]+tl.stats[i].MediaDuration(t.PerMS())/t.PerMS())
		}
	}
	if err := fn.f.Truncate(tl.dataEnd); err != nil {
		return Finished{}, fmt.Errorf("cut torn media: %w", err)
	}
	var size [8]byte
	binary.BigEndian.PutUint64(size[:], uint64(tl.dataEnd-fn.head.mdatOff))
	if _, err := fn.f.WriteAt(size[:], fn.head.mdatOff+8); err != nil {
		return Finished{}, fmt.Errorf("write mdat size: %w", err)
	}
	res := Finished{Samples: tl.samples, DurationMS: dur, Size: tl.dataEnd, Cut: max(fn.fileSize-tl.dataEnd, 0)}
	if len(mt) == 0 {
		return res, nil
	}
	moov, err := mp4box.BuildMoov(mt)
	if err != nil {
		return res, fmt.Errorf("build moov: %w", err)
	}
	base, rest := fn.head.roomOff, fn.head.roomSize-moov.Size
	if rest < 0 || rest > 0 && rest < 8 {
		base, res.Outgrew, res.Size = tl.dataEnd, true, tl.dataEnd+moov.Size
	}
	if err := fn.writeMoov(moov, base, tl, idx); err != nil {
		return res, err
	}
	if !res.Outgrew && rest > 0 {
		if _, err := fn.f.WriteAt(mp4box.Free(rest), base+moov.Size); err != nil {
			return res, fmt.Errorf("write free: %w", err)
		}
	}
	return res, nil
}

// writeMoov writes the moov at base and streams its tables from a second
// pass over the journal.
func (fn *finisher) writeMoov(moov *mp4box.Moov, base int64, tl *tallied, idx []int) error {
	if err := moov.WriteAt(fn.f, base); err != nil {
		return fmt.Errorf("write moov: %w", err)
	}
	tw := moov.TableWriters(fn.f, base)
	r, err := fn.journal()
	if err != nil {
		return err
	}
	jr, err := newJournalReader(r)
	if err != nil {
		return err
	}
	off := fn.head.mdatOff + mdatHeader
	for n := int64(0); n < tl.samples; {
		s, _, isTrack, err := jr.next()
		if err != nil {
			return fmt.Errorf("journal changed while finishing: %w", err)
		}
		if isTrack {
			continue
		}
		per := tl.tracks[s.track].PerMS()
		tw[idx[s.track]].Add(s.dts*per, int64(s.cts)*per, s.size, s.key, off)
		off += int64(s.size)
		n++
	}
	for _, w := range tw {
		if err := w.Finish(); err != nil {
			return fmt.Errorf("write sample tables: %w", err)
		}
	}
	return nil
}

// Close finishes the file from the journal and removes the journal. It
// does not close the file. After a write error it finishes what reached
// the file whole.
func (m *Muxer) Close() (Finished, error) {
	werr := m.Flush()
	tail, jf := m.jbuf, m.j
	fn := &finisher{f: m.f, head: m.head, fileSize: m.size,
		journal: func() (io.Reader, error) {
			return io.MultiReader(io.NewSectionReader(jf, 0, m.jsize), bytes.NewReader(tail)), nil
		},
		mapTrack: func(i int, _ trackRec) (*mp4box.Track, error) { return m.tracks[i].m, nil },
	}
	res, err := fn.run()
	if err == nil && m.o.Fsync {
		err = m.f.Datasync()
	}
	m.outgrew = res.Outgrew
	if err != nil {
		m.j.Close() // the journal stays for repair
		return res, errors.Join(werr, err)
	}
	m.dropJournal()
	return res, werr
}
