package playback

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Out is a sample placed on the export's timeline (ms from its start).
type Out struct {
	Sample
}

// Walked is what a walk over a plan found.
type Walked struct {
	Video, Audio int64 // samples
	Bytes        int64 // payload bytes
	DurationMS   int64 // the export's timeline length
	First        time.Time
	// ChangeAt is set when a file changed codec parameters inside the
	// range: the export ends there.
	ChangeAt time.Time

	lastAudio int64
}

// Walk calls fn with every sample of the plan in decode order, on one
// continuous timeline from 0: it starts at the video key frame at or
// before the plan's start (audio before it is left out, so the output
// starts decodable), ends before the plan's end, and closes the gaps
// between files. At a join, the next file's audio before its first video
// frame is kept, except what its timeline places at or before the last
// audio already out (the previous file carried it). Two walks of a plan
// give the same samples (the mp4 writer walks twice).
func (p *Plan) Walk(fn func(o *Out) error) (Walked, error) {
	var w Walked
	var base int64 // where this segment starts on the export timeline
	for i, sg := range p.Segments {
		// Each file follows the last one's last frame: a recorder splits a
		// stream at a key frame without losing media, so the media, not
		// the wall clock of the file opens (which jitters by tens of
		// milliseconds), says where it goes; a gap is closed the same way.
		next, stop, err := p.walkSegment(i == 0, sg, base, &w, fn)
		if err != nil {
			return w, err
		}
		base = next
		if stop {
			break
		}
	}
	w.DurationMS = base
	return w, nil
}

// segWalk is the state of one segment's walk.
type segWalk struct {
	from, until int64 // file timeline window; until < 0: no end
	zero        int64 // file time placed at base
	lastV       int64 // last video dts out, -1 none
	lastA       int64
	dV, dA      int64 // last deltas
}

// walkSegment walks one segment; it returns where the next one starts
// and whether the walk ends here.
func (p *Plan) walkSegment(first bool, sg Segment, base int64, w *Walked, fn func(o *Out) error) (int64, bool, error) {
	src, err := sg.open()
	if err != nil {
		return base, true, fmt.Errorf("recording %d: %w", sg.Row.ID, err)
	}
	p.open = append(p.open, src) // samples point into it until the writer is done
	v, _ := src.Tracks()
	fileStart, err := firstDTS(sg)
	if err != nil {
		return base, true, err
	}
	s := segWalk{from: fileStart, until: -1, lastV: -1, lastA: -1}
	if off := p.Start.Sub(sg.Row.Start).Milliseconds(); first && off > 0 {
		if s.from, err = keyAtOrBefore(sg, fileStart+off, v != nil); err != nil {
			return base, true, err
		}
	}
	if d := p.End.Sub(sg.Row.Start).Milliseconds(); p.End.Before(end(sg.Row)) {
		s.until = fileStart + d
	}
	s.zero = s.from
	if first {
		w.First = sg.Row.Start.Add(time.Duration(s.from-fileStart) * time.Millisecond)
	}
	stop, err := s.run(src, base, v != nil, w, fn)
	if errors.Is(err, ErrCodecChange) {
		w.ChangeAt = sg.Row.Start.Add(time.Duration(s.lastV-base+s.zero-fileStart) * time.Millisecond)
		err, stop = nil, true
	}
	return s.end(base), stop || s.until >= 0, err
}

// run feeds the segment's samples in its window to fn.
func (s *segWalk) run(src Source, base int64, hasVideo bool, w *Walked, fn func(o *Out) error) (bool, error) {
	_, a := src.Tracks()
	hasAudio := a != nil
	var o Out
	for {
		smp, err := src.Next()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if s.until >= 0 && smp.DTS >= s.until {
			return true, nil
		}
		if smp.DTS < s.from || hasVideo && s.lastV < 0 && !(smp.Video && smp.Key) && (smp.Video || !started(w)) {
			continue // before the start key frame; audio before it only where the export starts
		}
		if smp.Video && !hasVideo || !smp.Video && !hasAudio {
			continue // a track the file did not start with (the writers have none for it)
		}
		o.Sample = smp
		o.DTS = base + smp.DTS - s.zero
		if !o.Video && o.DTS <= w.lastAudio && w.Audio > 0 {
			continue // audio the last file already carried up to here
		}
		s.count(&o, w)
		if err := fn(&o); err != nil {
			return false, err
		}
	}
}

// started reports whether the walk has output anything: after that, a
// file's audio before its first video frame continues the export (the
// output is decodable from its start already), so it is kept.
func started(w *Walked) bool { return w.Video > 0 || w.Audio > 0 }

func (s *segWalk) count(o *Out, w *Walked) {
	if o.Video {
		if s.lastV >= 0 {
			s.dV = o.DTS - s.lastV
		}
		s.lastV = o.DTS
		w.Video++
	} else {
		if s.lastA >= 0 {
			s.dA = o.DTS - s.lastA
		}
		s.lastA, w.lastAudio = o.DTS, o.DTS
		w.Audio++
	}
	w.Bytes += int64(o.Size)
}

// end is where the next segment starts: after the last sample of either
// track plus its frame duration.
func (s *segWalk) end(base int64) int64 {
	e := base
	if s.lastV >= 0 {
		return max(e, s.lastV+max(s.dV, 1)) // audio may run a frame past it: the next file's audio follows
	}
	if s.lastA >= 0 {
		e = max(e, s.lastA+max(s.dA, 1))
	}
	return e
}

// firstDTS is the decode time of a segment's first sample.
func firstDTS(sg Segment) (int64, error) {
	src, err := sg.open()
	if err != nil {
		return 0, err
	}
	defer src.Close()
	s, err := src.Next()
	if err == io.EOF {
		return 0, nil
	}
	return s.DTS, err
}

// keyAtOrBefore is the decode time of the last video key frame at or
// before t (file timeline), or t itself for a file without video.
func keyAtOrBefore(sg Segment, t int64, hasVideo bool) (int64, error) {
	if !hasVideo {
		return t, nil
	}
	src, err := sg.open()
	if err != nil {
		return 0, err
	}
	defer src.Close()
	key := int64(-1)
	for {
		s, err := src.Next()
		if err == io.EOF || errors.Is(err, ErrCodecChange) || err == nil && s.DTS > t {
			break
		}
		if err != nil {
			return 0, err
		}
		if s.Video && s.Key {
			key = s.DTS
		}
	}
	if key < 0 {
		return t, nil
	}
	return key, nil
}

// Close closes the sources the walks opened.
func (p *Plan) Close() error {
	var first error
	for _, s := range p.take() {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// take hands over the sources the walks opened.
func (p *Plan) take() []Source {
	s := p.open
	p.open = nil
	return s
}
