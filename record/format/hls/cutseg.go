package hls

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/fmp4"
)

// cutFMP4 finds where the whole moof+mdat fragments of the torn fMP4
// segment seg (size bytes) end, read with its init segment by the fMP4
// scan that fMP4 repair uses. ms is its duration: the video track's
// (else the first track's with samples) first decode time to the end of
// its last sample; the muxer's decode times run on across segments, so the
// segment continues the timeline of the one before. ok is false when
// no fragment is whole, or the segment does not read with its init
// segment.
func cutFMP4(dir, initURI string, seg io.ReaderAt, size int64) (cut, ms int64, ok bool, err error) {
	init, err := readInit(dir, initURI)
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ELOOP) || errors.Is(err, errInitSize) {
		return 0, 0, false, nil // no init segment of ours to read it with: removed
	}
	if err != nil {
		return 0, 0, false, err
	}
	sc, err := fmp4.Scan(joined{head: init, tail: seg}, int64(len(init))+size)
	if err != nil || sc.Fragments == 0 {
		return 0, 0, false, nil //nolint:nilerr // damaged or empty: removed as an unlisted file
	}
	if sc.End < int64(len(init)) {
		return 0, 0, false, nil
	}
	t := measuredTrack(sc)
	per := int64(t.Timescale / 1000)
	end := t.LastDTS + t.LastDur
	return sc.End - int64(len(init)), (end - t.FirstDTS + per/2) / per, end > t.FirstDTS, nil
}

// measuredTrack is the track whose samples give a segment its duration:
// the video track, else the first with samples (a whole fragment has
// some).
func measuredTrack(sc *fmp4.Scanned) *fmp4.ScannedTrack {
	var first *fmp4.ScannedTrack
	for _, t := range sc.Tracks {
		switch {
		case t.Samples == 0:
		case t.Kind == media.KindVideo:
			return t
		case first == nil:
			first = t
		}
	}
	return first
}

// readInit reads an init segment of the directory.
func readInit(dir, name string) ([]byte, error) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxInit {
		return nil, fmt.Errorf("%s: %w", name, errInitSize)
	}
	return b, nil
}

var errInitSize = errors.New("init segment too large")

// cutTS finds where the torn MPEG-TS segment r (size bytes) is cut: see
// tsScan.cut. ms is its duration from the PES timestamps: the first
// kept one to the last kept of the video stream (of the audio without
// video) plus that stream's last frame interval. ok is false when no
// PES packet is whole.
func cutTS(r io.ReaderAt, size int64) (cut, ms int64, ok bool, err error) {
	s, err := readTS(r, size)
	if err != nil {
		return 0, 0, false, err
	}
	cut = s.cut()
	ms, ok = s.durationMS(cut)
	return cut, ms, ok, nil
}

// cut is where the segment is cut so that it holds only whole PES
// packets: every PES packet that starts before the cut is complete (the
// next PES of its PID starts, or its PES_packet_length bytes all came)
// and ends before it. Walking the PES packets from the last start to
// the first, one that is incomplete or crosses the cut moves the cut
// to its start. Our packetizer writes each PES packet's transport
// packets together, so this keeps every PES packet but the last of each
// stream when it is incomplete; a video PES of unbounded length (over
// 64 KiB) counts as complete only once its stream's next one starts, so
// a video frame that ends the segment whole may be lost too. The tables
// at the segment's start stay.
func (s *tsScan) cut() int64 {
	c := s.whole
	for i := len(s.pes) - 1; i >= 0; i-- {
		p := &s.pes[i]
		if p.start < c && (!p.complete || p.end > c) {
			c = p.start
		}
	}
	return c
}

// durationMS measures the PES packets before cut (see cutTS).
func (s *tsScan) durationMS(cut int64) (int64, bool) {
	ref, start := int64(-1), int64(0)
	var v, a frameTimes
	for i := range s.pes {
		p := &s.pes[i]
		if p.end > cut || p.ts < 0 {
			continue
		}
		if ref < 0 {
			ref = p.ts
		}
		t := since(ref, p.ts)
		start = min(start, t)
		switch {
		case p.video():
			v.add(t)
		case p.audio():
			a.add(t)
		}
	}
	main := v
	if main.n == 0 {
		main = a
	}
	if main.n == 0 {
		return 0, false
	}
	end := main.last
	if main.n > 1 {
		end += main.last - main.prev // the last frame lasts as long as the one before
	}
	return max(end-start, 0) / 90, true // 0 for timestamps that run backwards: not ours
}

// since is the 90 kHz time from ref to ts, across a wrap of the 33-bit
// timestamps.
func since(ref, ts int64) int64 {
	d := (ts - ref) & (1<<33 - 1)
	if d >= 1<<32 {
		d -= 1 << 33
	}
	return d
}

// frameTimes follows one stream's last two frame times.
type frameTimes struct {
	n          int
	prev, last int64
}

func (f *frameTimes) add(t int64) {
	f.prev, f.last = f.last, t
	f.n++
}
