package mp4box

import (
	"bufio"
	"encoding/binary"
	"io"
)

// Stats counts, sample by sample, what a track's sample tables will
// hold, so the movie header is laid out before the tables are streamed.
// Times are in the track's timescale; decode times never decrease (the
// caller clamps them).
type Stats struct {
	N        int64 // samples
	Keys     int64 // sync samples
	SttsRuns int64
	CttsRuns int64
	AnyCTS   bool // some composition offset is not zero: ctts is written
	FirstDTS int64
	LastDTS  int64
	delta    int64 // the current stts run's delta
	cts      int64 // the current ctts run's offset
}

// Add counts one sample.
func (s *Stats) Add(dts, cts int64, key bool) {
	switch {
	case s.N == 0:
		s.FirstDTS = dts
	case s.N == 1:
		s.SttsRuns, s.delta = 1, dts-s.LastDTS
	case dts-s.LastDTS != s.delta:
		s.SttsRuns++
		s.delta = dts - s.LastDTS
	}
	if s.N == 0 || cts != s.cts {
		s.CttsRuns++
		s.cts = cts
	}
	s.AnyCTS = s.AnyCTS || cts != 0
	if key {
		s.Keys++
	}
	s.LastDTS = dts
	s.N++
}

// LastDuration is the duration given to the last sample: the delta
// before it, or minDur for a track of one sample.
func (s *Stats) LastDuration(minDur int64) int64 {
	if s.N < 2 {
		return minDur
	}
	return s.delta
}

// MediaDuration is the track's duration in its timescale.
func (s *Stats) MediaDuration(minDur int64) int64 {
	if s.N == 0 {
		return 0
	}
	return s.LastDTS - s.FirstDTS + s.LastDuration(minDur)
}

// sttsRuns is the number of stts entries once the last sample is counted.
func (s *Stats) sttsRuns() int64 {
	if s.N == 1 {
		return 1
	}
	return s.SttsRuns
}

// tableHoles are the payload offsets of one track's streamed tables in a
// layout; -1 for a table the track does not have.
type tableHoles struct{ stts, ctts, stss, stsz, co64 int64 }

// holes writes the table boxes of a track with s's sizes, payloads left
// out, and a fixed stsc of one sample per chunk.
func holes(b *builder, s *Stats) tableHoles {
	h := tableHoles{ctts: -1, stss: -1}
	h.stts = b.hole("stts", 8+8*s.sttsRuns())
	if s.AnyCTS {
		h.ctts = b.hole("ctts", 8+8*s.CttsRuns)
	}
	if s.Keys < s.N {
		h.stss = b.hole("stss", 8+4*s.Keys)
	}
	b.raw("stsc", []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1})
	h.stsz = b.hole("stsz", 12+4*s.N)
	h.co64 = b.hole("co64", 8+8*s.N)
	return h
}

// TableWriter streams one track's sample tables into the holes a Moov
// left for them, replaying the samples its Stats counted, in order.
type TableWriter struct {
	s                            *Stats
	minDur                       int64
	stts, ctts, stss, stsz, co64 *bufio.Writer
	n                            int64
	lastDTS, run, delta          int64
	cts, ctsRun                  int64
	b                            [8]byte
}

func newTableWriter(w io.WriterAt, base int64, h tableHoles, s *Stats, minDur int64) *TableWriter {
	open := func(off int64, ver byte, count int64, extra ...uint32) *bufio.Writer {
		if off < 0 {
			return nil
		}
		bw := bufio.NewWriterSize(io.NewOffsetWriter(w, base+off), 16<<10)
		bw.Write([]byte{ver, 0, 0, 0})
		for _, x := range extra {
			bw.Write(binary.BigEndian.AppendUint32(nil, x))
		}
		bw.Write(binary.BigEndian.AppendUint32(nil, uint32(count)))
		return bw
	}
	return &TableWriter{s: s, minDur: minDur,
		stts: open(h.stts, 0, s.sttsRuns()), ctts: open(h.ctts, 1, s.CttsRuns),
		stss: open(h.stss, 0, s.Keys), stsz: open(h.stsz, 0, s.N, 0), co64: open(h.co64, 0, s.N)}
}

func (t *TableWriter) u32(w *bufio.Writer, v uint32) {
	if w != nil {
		binary.BigEndian.PutUint32(t.b[:4], v)
		w.Write(t.b[:4])
	}
}

// Add writes one sample's entries: decode time and composition offset in
// the track's timescale, size, key flag and file offset.
func (t *TableWriter) Add(dts, cts int64, size uint32, key bool, off int64) {
	t.n++
	if t.n > 1 {
		d := dts - t.lastDTS
		if t.n > 2 && d != t.delta {
			t.u32(t.stts, uint32(t.run))
			t.u32(t.stts, uint32(t.delta))
			t.run = 0
		}
		t.delta = d
		t.run++
	}
	t.lastDTS = dts
	if t.n > 1 && cts != t.cts {
		t.u32(t.ctts, uint32(t.ctsRun))
		t.u32(t.ctts, uint32(int32(t.cts)))
		t.ctsRun = 0
	}
	t.cts = cts
	t.ctsRun++
	if key {
		t.u32(t.stss, uint32(t.n))
	}
	t.u32(t.stsz, size)
	if t.co64 != nil {
		binary.BigEndian.PutUint64(t.b[:], uint64(off))
		t.co64.Write(t.b[:])
	}
}

// Finish writes the last runs and flushes.
func (t *TableWriter) Finish() error {
	if t.n > 0 {
		last := t.s.LastDuration(t.minDur)
		t.u32(t.stts, uint32(t.run+1))
		t.u32(t.stts, uint32(last))
		t.u32(t.ctts, uint32(t.ctsRun))
		t.u32(t.ctts, uint32(int32(t.cts)))
	}
	for _, w := range []*bufio.Writer{t.stts, t.ctts, t.stss, t.stsz, t.co64} {
		if w != nil {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}
