package playback

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
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

	prog   tsProgram
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
	pes  [2][]byte // video, audio
	conv []byte
	buf  []byte
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
	r.pes, r.conv, r.buf, r.pending, r.next = [2][]byte{}, nil, nil, nil, 0
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

// openPES is a PES packet being gathered during a scan.
type openPES struct {
	at     int64 // its first packet
	random bool
	on     bool
}

// scan reads the segment's packets in order, gathering each PES packet
// of the exported streams until the next one of its PID starts (what
// gatherPES does when the sample is read). It returns the offset from
// which a change ends the recording, or -1.
func (r *tsReader) scan(p *tsPayload) (int64, error) {
	pr := packetReader{r: p.seg, size: p.size, buf: r.buf}
	defer func() { r.buf = pr.buf }()
	stop := int64(-1)
	changeAt := func(at int64) {
		if stop < 0 || at < stop {
			stop = at
		}
	}
	var open [2]openPES
	finish := func(i int) {
		if open[i].on {
			r.unit(p, i, open[i], changeAt)
		}
		open[i].on = false
	}
	for {
		pk, at, ok, err := pr.next()
		if err != nil {
			return -1, err
		}
		if !ok {
			break
		}
		switch {
		case pk.pid == 0:
			r.prog.readPAT(pk)
		case r.prog.pmt != 0 && pk.pid == r.prog.pmt:
			np, ok := readPMT(pk)
			if !ok {
				continue
			}
			np.pmt = r.prog.pmt
			if !r.known {
				r.prog, r.known = np, true
			} else if !np.sameStreams(&r.prog) {
				changeAt(at) // the old streams are still gathered to their ends
			}
		default:
			c := r.prog.codecOf(pk.pid)
			if c == tsNone {
				continue
			}
			i := 1
			if c.video() {
				i = 0
			}
			if pk.start {
				finish(i)
				open[i] = openPES{at: at, random: pk.random, on: true}
				r.pes[i] = append(r.pes[i][:0], pk.payload...)
			} else if open[i].on {
				if len(r.pes[i])+len(pk.payload) > maxPES {
					changeAt(open[i].at) // a unit gatherPES refuses
					open[i].on = false
					continue
				}
				r.pes[i] = append(r.pes[i], pk.payload...)
			}
		}
	}
	finish(0)
	finish(1)
	return stop, nil
}

// unit turns the gathered PES packet of stream i into samples.
func (r *tsReader) unit(p *tsPayload, i int, o openPES, changeAt func(int64)) {
	h, ok := parsePES(r.pes[i])
	if !ok {
		return
	}
	es, ok := h.payload(r.pes[i])
	if !ok {
		return // torn: the segment's end
	}
	codec := r.prog.video
	if i == 1 {
		codec = r.prog.audio
	}
	dts := r.unwrap(h.dts)
	cts := (h.pts - h.dts) & (1<<33 - 1)
	if cts >= 1<<32 {
		cts -= 1 << 33
	}
	s := Sample{Video: i == 0, Key: true, DTS: ms90(dts), CTS: int32(cts / 90), R: p, Off: unitOff(o.at, 0)}
	switch codec {
	case tsAVC, tsHEVC:
		r.videoUnit(codec, es, o, s, changeAt)
	case tsAAC:
		r.aacUnit(es, o.at, dts, s, changeAt)
	case tsMP3:
		r.mp3Unit(es, o.at, s, changeAt)
	case tsOpus:
		r.opusUnit(es, s)
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

func (r *tsReader) add(s Sample, size int, at int64, changeAt func(int64)) {
	if size == 0 {
		return
	}
	if size > maxTSUnit {
		changeAt(at) // never a file with a frame left out
		return
	}
	s.Size = uint32(size)
	r.pending = append(r.pending, s)
}

func (r *tsReader) videoUnit(codec tsCodec, es []byte, o openPES, s Sample, changeAt func(int64)) {
	var params videoParams
	var key bool
	r.conv, key = annexBToLength(codec, es, r.conv[:0], &params)
	s.Key = key || o.random
	switch {
	case r.v == nil && !r.fixed && s.Key && len(params.sps) > 0:
		t, err := videoTrack(codec, &params)
		if err != nil {
			r.trackErr[0] = err
			return
		}
		r.v = t
		r.vp = params.clone()
	case r.v == nil:
		return // before the first key frame, or a track that came late: left out, as from fMP4 segments
	case !r.vp.contains(&params):
		changeAt(o.at)
		return
	}
	r.add(s, len(r.conv), o.at, changeAt)
}

func (r *tsReader) aacUnit(es []byte, at, dts int64, s Sample, changeAt func(int64)) {
	for k := 0; k < maxPESFrames; k++ {
		f, ok := nextADTS(es)
		if !ok {
			return
		}
		es = f.rest
		switch {
		case r.a == nil && !r.fixed:
			t, err := aacTrack(f.h)
			if err != nil {
				r.trackErr[1] = err
				return
			}
			r.a, r.aac = t, f.h
		case r.a == nil:
			return // a track that came late
		case f.h != r.aac:
			changeAt(at)
			return
		}
		s.DTS = ms90(dts + int64(k)*1024*90000/int64(f.h.sampleRate()))
		s.Off = unitOff(at, k)
		r.add(s, len(f.raw), at, changeAt)
	}
}

// mpegAudioBits are the bits of an MPEG audio frame header that its
// track depends on (version, layer, sample rate, mono); 0: not a header.
func mpegAudioBits(b []byte) uint32 {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return 0
	}
	mono := uint32(0)
	if b[3]>>6 == 3 {
		mono = 1
	}
	return 1<<31 | uint32(b[1]&0x1e)<<8 | uint32(b[2]&0x0c)<<1 | mono
}

func (r *tsReader) mp3Unit(es []byte, at int64, s Sample, changeAt func(int64)) {
	bits := mpegAudioBits(es)
	switch {
	case bits == 0:
		return
	case r.a == nil && !r.fixed:
		t, err := mp3Track(es)
		if err != nil {
			r.trackErr[1] = err
			return
		}
		r.a, r.mp3 = t, bits
	case r.a == nil:
		return
	case bits != r.mp3:
		changeAt(at)
		return
	}
	r.add(s, len(es), at, changeAt)
}

func (r *tsReader) opusUnit(es []byte, s Sample) {
	pk, ok := opusPacket(es)
	if !ok {
		return
	}
	if r.a == nil {
		if r.fixed {
			return
		}
		t, err := opusTrack(max(r.prog.opusChannels, 1))
		if err != nil {
			r.trackErr[1] = err
			return
		}
		r.a = t
	}
	r.add(s, len(pk), 0, func(int64) {})
}

// clone copies the parameter sets out of a scan buffer.
func (p *videoParams) clone() videoParams {
	c := func(l [][]byte) [][]byte {
		out := make([][]byte, len(l))
		for i, b := range l {
			out[i] = bytes.Clone(b)
		}
		return out
	}
	return videoParams{vps: c(p.vps), sps: c(p.sps), pps: c(p.pps)}
}

// contains says whether every parameter set of o is one of p's: a key
// frame repeating the sets (or some of them) keeps the track.
func (p *videoParams) contains(o *videoParams) bool {
	in := func(l [][]byte, sets [][]byte) bool {
		for _, b := range sets {
			if !slices.ContainsFunc(l, func(x []byte) bool { return bytes.Equal(x, b) }) {
				return false
			}
		}
		return true
	}
	return in(p.vps, o.vps) && in(p.sps, o.sps) && in(p.pps, o.pps)
}
