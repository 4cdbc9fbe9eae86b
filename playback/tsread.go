package playback

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
	"github.com/rtmprecd/rtmprecd/record/format/tsread"
)

// tsOffset is what the HLS recorder adds to every MPEG-TS timestamp
// (90 kHz): media time t ms is t*90 + 9000. Taking it off puts the
// samples on the recording's timeline, the one its fMP4 segments have.
const tsOffset = 9000

// tsSegRef is one segment of the playlist and its size when opened.
type tsSegRef struct {
	uri  string
	size int64
}

// tsReader reads an HLS recording with MPEG-TS segments, segment by
// segment: one segment's samples are in memory at a time, in decode
// order. Its tracks are those of the first segment with samples (a track
// that starts later is left out, as an fMP4 init segment leaves it out);
// the recording is cut (ErrCodecChange) where the program's streams or
// the parameters change (a publisher coming back with other settings
// under record_append).
type tsReader struct {
	segs  []tsSegRef
	i     int // next segment to scan
	files *segmentFiles
	cache *unitCache

	prog   tsread.Program
	known  bool // prog was read
	fixed  bool // the tracks were handed out: a new one is a change
	v, a   *media.Track
	vp     videoParams // the video track's parameter sets
	aac    adtsHeader
	mp3    uint32 // the MPEG audio header bits that make the track
	change bool   // the last segment scanned ends the recording
	// trackErr says why a track of the first frames could not be made
	// (video, audio): the export is refused rather than left without it.
	trackErr [2]error

	pending []Sample
	next    int
	lastDTS [2]int64 // of the last sample of each kind given (video, audio)
	given   [2]bool
	last    int64 // last 90 kHz timestamp, unwrapped; -1 none
	wrap    int64

	// scan scratch
	units [2]tsread.Unit // video, audio
	conv  []byte
	pr    tsread.Reader
}

// openTS opens the MPEG-TS recording fs holds, whose playlist is pl,
// reading its first segment for the tracks.
func openTS(fs Files, pl *hls.Playlist) (*tsReader, error) {
	r := &tsReader{files: &segmentFiles{fs: fs}, cache: &unitCache{}, last: -1}
	for _, s := range pl.Segments {
		if s.Map != "" {
			break // fMP4 from here on: not this reader's
		}
		size, err := fs.Size(s.URI) // its size now: what the export reads of it
		if err != nil {
			r.Close()
			return nil, err
		}
		r.segs = append(r.segs, tsSegRef{uri: s.URI, size: size})
	}
	for len(r.pending) == 0 && r.i < len(r.segs) && !r.change {
		if err := r.scanNext(); err != nil {
			r.Close()
			return nil, err
		}
	}
	r.fixed = true
	for i, t := range []*media.Track{r.v, r.a} {
		if t == nil && r.trackErr[i] != nil {
			r.Close()
			return nil, fmt.Errorf("hls: %w: %w", ErrUnsupported, r.trackErr[i])
		}
	}
	return r, nil
}

func (r *tsReader) Tracks() (video, audio *media.Track) { return r.v, r.a }
func (r *tsReader) Close() error                        { return r.files.Close() }

func (r *tsReader) Next() (Sample, error) {
	for r.next == len(r.pending) {
		if r.change || r.i == len(r.segs) {
			r.release()
		}
		if r.change {
			return Sample{}, fmt.Errorf("hls: %w in segment %s", ErrCodecChange, r.segs[r.i-1].uri)
		}
		if r.i == len(r.segs) {
			return Sample{}, io.EOF
		}
		if err := r.scanNext(); err != nil {
			return Sample{}, err
		}
	}
	r.next++
	return r.pending[r.next-1], nil
}

// release lets the scan's buffers go once every segment is read: an mp4
// export keeps its sources open until the file is read.
func (r *tsReader) release() {
	r.units, r.conv, r.pending, r.next = [2]tsread.Unit{}, nil, nil, 0
	r.pr.Release()
}

// scanNext reads the next segment's samples into pending.
func (r *tsReader) scanNext() error {
	ref := r.segs[r.i]
	r.i++
	r.pending, r.next = r.pending[:0], 0
	if ref.size > maxSegment {
		return fmt.Errorf("%w: segment %s of %d bytes", errDamaged, ref.uri, ref.size)
	}
	p := &tsPayload{seg: r.files.file(ref.uri, ref.size), size: ref.size, cache: r.cache}
	stop, err := r.scan(p)
	if err != nil {
		return fmt.Errorf("hls: %s: %w", ref.uri, err)
	}
	p.prog = r.prog
	if stop >= 0 { // nothing from the change on
		r.pending = slices.DeleteFunc(r.pending, func(s Sample) bool { return s.Off>>offPESShift >= stop })
		r.change = true
	}
	// decode order; at the same time video first, as an FLV or MP4
	// source gives them (a key frame then opens the export before audio)
	slices.SortStableFunc(r.pending, func(x, y Sample) int {
		if c := cmp.Compare(x.DTS, y.DTS); c != 0 || x.Video == y.Video {
			return c
		}
		if x.Video {
			return -1
		}
		return 1
	})
	if r.goesBack() {
		r.pending, r.change = r.pending[:0], true
	}
	return nil
}

// goesBack says whether the segment's samples start before those of the
// last one ended (a playlist joined from recordings whose times were not
// shifted to follow each other): the recording is cut there, as at a
// change, rather than written with time running backwards. Otherwise it
// notes the segment's last times.
func (r *tsReader) goesBack() bool {
	var seen [2]bool
	for _, s := range r.pending {
		k := kindIndex(s.Video)
		if !seen[k] && r.given[k] && (s.DTS < r.lastDTS[k] || s.Video && s.DTS == r.lastDTS[k]) {
			return true
		}
		seen[k] = true
	}
	for _, s := range r.pending {
		k := kindIndex(s.Video)
		r.lastDTS[k], r.given[k] = s.DTS, true
	}
	return false
}

func kindIndex(video bool) int {
	if video {
		return 0
	}
	return 1
}

// scan reads the segment's packets in order, collecting each PES packet
// of the exported streams by tsread.Unit's rule, as tsread.Gather does
// when the sample is read; a PES packet is turned into samples when the
// next one of its PID starts or the segment ends. It returns the offset
// from which a change ends the recording, or -1.
func (r *tsReader) scan(p *tsPayload) (int64, error) {
	pr := &r.pr
	pr.Reset(p.seg, p.size)
	stop := int64(-1)
	changeAt := func(at int64) {
		if stop < 0 || at < stop {
			stop = at
		}
	}
	var on [2]bool // units[i] is being collected
	finish := func(i int) {
		if on[i] {
			r.unit(p, i, changeAt)
		}
		on[i] = false
	}
	for {
		pk, at, ok, err := pr.Next()
		if err != nil {
			return -1, err
		}
		if !ok {
			break
		}
		switch {
		case pk.PID == 0:
			r.prog.ReadPAT(pk)
		case r.prog.PMT != 0 && pk.PID == r.prog.PMT:
			r.readPMT(pk, at, changeAt)
		default:
			c := r.prog.CodecOf(pk.PID)
			if c == tsNone {
				continue
			}
			i := kindIndex(c.Video())
			u := &r.units[i]
			switch {
			case pk.Start:
				finish(i)
				u.Begin(pk, at, true)
				on[i] = true
			case !on[i] || u.Whole():
			case u.Add(pk, at) != nil:
				changeAt(u.At) // a unit tsread.Gather refuses
				on[i] = false
			}
		}
	}
	finish(0)
	finish(1)
	return stop, nil
}

// readPMT takes the program's streams from the first PMT; a later one
// that changes them ends the recording at its packet (the old streams
// are still collected to their ends).
func (r *tsReader) readPMT(pk tsread.Packet, at int64, changeAt func(int64)) {
	np, ok := tsread.ReadPMT(pk)
	if !ok {
		return
	}
	np.PMT = r.prog.PMT
	if !r.known {
		r.prog, r.known = np, true
	} else if !np.SameStreams(&r.prog) {
		changeAt(at)
	}
}

// unwrap extends a 33-bit timestamp past its wrap (26.5 hours).
func (r *tsReader) unwrap(ts int64) int64 {
	v := ts + r.wrap
	if r.last >= 0 && v < r.last-1<<32 {
		r.wrap += 1 << 33
		v += 1 << 33
	}
	r.last = v
	return v
}

// ms90 is the recording time in milliseconds of a 90 kHz timestamp.
func ms90(ts int64) int64 {
	d := ts - tsOffset
	if d < 0 {
		return -((-d + 89) / 90)
	}
	return d / 90
}
