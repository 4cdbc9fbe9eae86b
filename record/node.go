package record

import (
	"errors"
	"log/slog"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
)

const (
	// softMargin is how long before the format's timestamp limit
	// (format.Caps.MaxTimestamp: FLV's 32 bits, ~49.7 days) a file is
	// split at the next break frame, so the forced split at the limit
	// (which may have to wait for a key frame in the new file) practically
	// never happens.
	softMargin = int64(time.Hour / time.Millisecond)
	// retryDelay is the least time between two attempts to open a file
	// after a failure: audio-only streams have a break frame every ~20 ms.
	retryDelay = 2 * time.Second
	// maxRetryDelay caps the back-off while files keep failing.
	maxRetryDelay = 30 * time.Second
)

// node is one recorder of one publish. Its fields are guarded by the
// hook's mutex. It survives its files: w is the open file, nil between
// files.
type node struct {
	h      *hook
	rec    *conf.Recorder
	log    *slog.Logger
	fmt    format.Format // the container of the recorder's files
	caps   format.Caps
	off    bool // record off: never records
	manual bool // record manual: opens only through Start
	audio  bool // records audio
	video  bool // records every video frame
	keys   bool // records video key frames (video or keyframes)

	refused  bool      // the format cannot carry the stream's video (Caps.Refuses): off for this publish
	manualOn bool      // a manual recorder between Start and Stop
	stopped  bool      // an automatic recorder stopped through Stop
	failed   bool      // the last open or write failed
	failedAt time.Time // when, for the back-off
	backoff  time.Duration
	lastKey  int64     // session time + 1 of the last video keyframe seen; 0 none
	gop      gopStats  // the last whole GOP, for sizing the metadata reserve
	acc      gopStats  // the GOP in progress
	lastOpen time.Time // wall clock of the last open, kept across files
	hint     nameHint  // where the next free-name search starts
	vars     nameVars  // values of the record_path and record_suffix variables
	sched    *schedule // record_schedule; nil: always
	// schedOpen is the schedule's state from schedFrom until schedUntil
	// (the next opening or closing): see inWindow.
	schedOpen             bool
	schedFrom, schedUntil time.Time

	eventState

	file // the current file's state; zero between files
}

// file is the per-file state of a node, reset at every open.
type file struct {
	w         format.Muxer
	path      string
	rel       string    // path below root
	root      string    // the recording root (record_path before its first variable)
	boundary  time.Time // record_interval_align: split at the first break frame from then
	id        fileID    // the file's entry in Module.files
	created   bool      // this open created the file: removed at close if it got no media
	opened    time.Time
	shift     int64 // record_append: largest timestamp already in the file
	epoch     int64 // session time written as 0 (minus shift)
	epochSet  bool
	waitBreak bool // opened by Start: write nothing before a break frame
	audioHdr  []byte
	videoHdr  []byte
	audioOK   bool // an audio sequence header is in the file
	videoOK   bool // a video sequence header is in the file
	keySeen   bool // video may be written: a key frame is in the file, or it continues a forced split
	split     bool // a size or frame limit was reached: split at the next break frame
	frames    int64
	vframes   int64
	aframes   int64
	first     int64
	last      int64
	unmapped  [3]bool // by media.Kind: a track the format cannot carry was left out
}

func newNode(h *hook, rc *conf.Recorder) *node {
	f := formatOf(rc)
	return &node{
		h:      h,
		rec:    rc,
		fmt:    f,
		caps:   f.Caps(),
		log:    h.log.With("rec", rc.Name),
		off:    rc.Flags.Has(conf.RecordOff),
		manual: rc.Flags.Has(conf.RecordManual),
		audio:  rc.Flags.Has(conf.RecordAudio),
		video:  rc.Flags.Has(conf.RecordVideo),
		keys:   rc.Flags&(conf.RecordVideo|conf.RecordKeyframes) != 0,
	}
}

// onFrame is nginx-rtmp's per-message admission (skip what the recorder
// does not record, open at a break frame, write the sequence headers, then
// the tag, split on the limits), without its losses: a split waits for a
// break frame without dropping media, and nothing opens a file before
// media arrives.
func (n *node) onFrame(f *media.Frame, c *media.State) {
	if n.off || n.refused || !n.wants(f) || n.refuses(f, c) {
		return
	}
	n.measure(f)
	brk := n.isBreak(f, c)
	if n.sched != nil && n.scheduleGate(f, c, brk) {
		return
	}
	if n.event && !n.eventFrame(f, c, brk) {
		return
	}
	if n.w != nil && (n.splitDue(f, brk) || n.paramChange(f)) {
		n.close(ReasonSplit, nil)
		if n.open() != nil {
			return
		}
		// A split forced by the timestamp limit may fall mid-GOP: the new
		// file carries on from f, sequence headers first, inter frames
		// included, so no frame is lost before the next key frame.
		n.keySeen = !brk
	}
	if n.w == nil && (!n.mayOpen(f, c, brk) || n.open() != nil) {
		return
	}
	n.write(f, c, brk)
}

// gopStats describe a GOP: its duration, frames and payload bytes.
type gopStats struct{ ms, frames, bytes int64 }

// measure keeps the stats of the last whole GOP the node was offered.
func (n *node) measure(f *media.Frame) {
	if f.Keyframe && f.Type == media.TypeVideo && !f.SeqHeader {
		if n.lastKey > 0 && f.Time+1 > n.lastKey {
			n.gop, n.gop.ms = n.acc, f.Time+1-n.lastKey
		}
		n.lastKey, n.acc = f.Time+1, gopStats{}
	}
	n.acc.frames++
	n.acc.bytes += int64(len(f.Payload))
}

// wants is the type filter: record audio, video, keyframes.
func (n *node) wants(f *media.Frame) bool {
	if f.Type == media.TypeAudio {
		return n.audio
	}
	return n.video || (n.keys && f.Keyframe)
}

// isBreak reports whether a file may start with f: a video key frame (not
// an end of sequence), or any audio frame when this recorder records no
// video or the stream has none (so audio-only streams split too, which
// nginx-rtmp's recorders never do with record all).
func (n *node) isBreak(f *media.Frame, c *media.State) bool {
	if f.Type == media.TypeVideo {
		return f.Keyframe && !isEndOfSeq(f)
	}
	return !n.keys || !c.HasVideo()
}

// splitDue reports whether the open file must end before f.
func (n *node) splitDue(f *media.Frame, brk bool) bool {
	if n.frames == 0 {
		return false
	}
	rel, limit := f.Time-n.epoch, n.caps.MaxTimestamp
	if limit > 0 && rel > limit {
		return true // forced: f's timestamp would not fit in this file
	}
	if !brk {
		return false
	}
	if n.split || limit > 0 && rel > limit-softMargin {
		return true
	}
	return n.intervalDue()
}

// mayOpen reports whether f opens a file on a node without one.
func (n *node) mayOpen(f *media.Frame, c *media.State, brk bool) bool {
	if !fits(f, c) {
		return false
	}
	switch {
	case n.manual && !n.manualOn, n.event && !n.evOn && !n.manualOn:
		return false
	case n.failed:
		return brk && n.now().Sub(n.failedAt) >= n.backoff
	case n.stopped:
		return brk && (!n.rec.IntervalSet || n.now().Sub(n.lastOpen) > n.rec.Interval)
	}
	return true // the first open waits for media: no empty files
}

// fits reports whether f would be written as the first frame of a new
// file: audio once its codec header is known, video from a key frame with
// its header known.
func fits(f *media.Frame, c *media.State) bool {
	if f.Type == media.TypeAudio {
		return f.SeqHeader || !needsHeader(f) || headerOf(c.Audio()) != nil
	}
	return f.Keyframe && !isEndOfSeq(f) &&
		(f.SeqHeader || !needsHeader(f) || headerOf(c.Video()) != nil)
}

// write puts f into the open file after any pending sequence headers.
func (n *node) write(f *media.Frame, c *media.State, brk bool) {
	if n.waitBreak {
		if !brk {
			return
		}
		n.waitBreak = false
	}
	if !n.epochSet {
		n.epoch, n.epochSet = f.Time-n.shift, true
	}
	ts := max(f.Time-n.epoch, 0) // slightly late audio at a file start → 0
	if !n.writeHeaders(f, c, ts) || !n.admit(f) {
		return
	}
	u := unitOf(f)
	if !n.carried(u.Track) || !n.put(format.Sample{Track: u.Track, Unit: u, Time: ts, Key: f.Keyframe}) {
		return
	}
	if n.frames == 0 {
		n.first = f.Time
	}
	n.frames++
	n.last = f.Time
	if f.Type == media.TypeVideo {
		n.vframes++
	} else {
		n.aframes++
	}
	if n.rec.MaxFrames > 0 && n.frames >= n.rec.MaxFrames {
		n.split = true
	}
}

// writeHeaders copies the latest sequence headers into a file that lacks
// them, stamped with the triggering frame's time. f itself is the header
// when it is one (the session may update its codec state after hooks).
// FLV gets audio first, as nginx-rtmp writes it; the MP4 formats get
// video first, so that every file of a stream has the same track order
// (a player of an HLS playlist over several files keeps the first file's).
func (n *node) writeHeaders(f *media.Frame, c *media.State, ts int64) bool {
	if n.caps.Name == "flv" {
		return n.writeAudioHeader(f, c, ts) && n.writeVideoHeader(f, c, ts)
	}
	return n.writeVideoHeader(f, c, ts) && n.writeAudioHeader(f, c, ts)
}

func (n *node) writeAudioHeader(f *media.Frame, c *media.State, ts int64) bool {
	if n.audio && !n.audioOK {
		s := format.Sample{Track: c.Audio(), Time: ts}
		h := headerOf(s.Track)
		if f.Type == media.TypeAudio && f.SeqHeader {
			u := unitOf(f)
			h, s.Track, s.Unit = f.Payload, u.Track, u
		}
		if h != nil && n.carried(s.Track) {
			if !n.put(s) {
				return false
			}
			n.audioHdr, n.audioOK = append(n.audioHdr[:0], h...), true
		}
	}
	return true
}

func (n *node) writeVideoHeader(f *media.Frame, c *media.State, ts int64) bool {
	if n.keys && !n.videoOK {
		s := format.Sample{Track: c.Video(), Time: ts, Key: true}
		h := headerOf(s.Track)
		if f.Type == media.TypeVideo && f.SeqHeader {
			u := unitOf(f)
			h, s.Track, s.Unit = f.Payload, u.Track, u
		}
		if h != nil && n.carried(s.Track) {
			if !n.put(s) {
				return false
			}
			n.videoHdr, n.videoOK = append(n.videoHdr[:0], h...), true
		}
	}
	return true
}

// admit gates f on what the file holds: video waits for its header and a
// key frame; AAC waits for its header; a sequence header already copied
// into the file is not written twice.
func (n *node) admit(f *media.Frame) bool {
	if f.Type == media.TypeAudio {
		if f.SeqHeader {
			return n.newHeader(&n.audioHdr, &n.audioOK, f.Payload)
		}
		return n.audioOK || !needsHeader(f)
	}
	if f.SeqHeader {
		return n.newHeader(&n.videoHdr, &n.videoOK, f.Payload)
	}
	if !n.videoOK && needsHeader(f) {
		return false
	}
	if f.Keyframe && !isEndOfSeq(f) {
		n.keySeen = true
	}
	return n.keySeen
}

// newHeader reports whether an in-band sequence header differs from the
// one in the file (a mid-stream change), remembering it.
func (n *node) newHeader(hdr *[]byte, ok *bool, p []byte) bool {
	if *ok && string(*hdr) == string(p) {
		return false
	}
	*hdr, *ok = append((*hdr)[:0], p...), true
	return true
}

// put writes one sample and checks record_max_size after it.
func (n *node) put(s format.Sample) bool {
	if err := n.w.Write(s); err != nil {
		n.fail(err)
		return false
	}
	if n.rec.MaxSize > 0 && n.w.Size() >= n.rec.MaxSize {
		n.split = true
	}
	return true
}

func (n *node) now() time.Time { return n.h.m.now() }

// paramChange reports whether f changes codec parameters that the
// format stores once per file (MP4: a new SPS, another AAC config): such
// a file ends before f and the next one starts with it. A resent
// identical header is no change, and FLV files carry changes in band.
func (n *node) paramChange(f *media.Frame) bool {
	if !n.caps.NewFileOnParamChange || !f.SeqHeader || len(f.Units) == 0 {
		return false
	}
	return n.frames > 0 && unitOf(f).Param == media.ParamChange
}

// carried reports whether the file's format can store t's codec. A track
// it cannot (Speex, Nellymoser, ADPCM or G.711 in MP4) is left out of the
// file with one warning per file and named in the record-done event; the
// other track is still recorded and the publish goes on.
func (n *node) carried(t *media.Track) bool {
	if t == nil || n.caps.Carries == nil || n.caps.Carries(t) {
		return true
	}
	if !n.unmapped[t.Kind] {
		n.unmapped[t.Kind] = true
		n.log.Warn("record: the file's format cannot carry this codec, its track is left out", "path", n.path,
			"format", n.caps.Name, "track", t.Kind.String(), "codec", t.Codec.String(), "legacy_id", t.LegacyID)
	}
	return false
}

// errRefusedCodec ends a recording whose format cannot carry the
// stream's video codec (Caps.Refuses: AV1 or VP9 in MPEG-TS segments).
var errRefusedCodec = errors.New("the record format cannot carry this video codec")

// refuses turns the recorder off for this publish when its format
// refuses the stream's video codec, rather than recording the audio of a
// video stream: one error line, and a file already open is closed (only
// another track can be in it, which is whole).
func (n *node) refuses(f *media.Frame, c *media.State) bool {
	if n.caps.Refuses == nil || !n.keys {
		return false
	}
	t := c.Video()
	if f.Type == media.TypeVideo && len(f.Units) > 0 {
		t = unitOf(f).Track
	}
	if t == nil || !n.caps.Refuses(t) {
		return false
	}
	n.refused = true
	n.log.Error("record: the record format cannot carry the stream's video codec; recorder off for this stream",
		"format", n.caps.Name, "codec", t.Codec.String(), "path", n.rec.Path)
	n.notify("warning", "NetStream.Record.Failed")
	n.close(ReasonError, errRefusedCodec)
	return true
}

// tallyFromMuxer takes the frame counts and the tracks left out from a
// muxer that stores fewer samples than it is handed (format.Tally), so
// that the record-done event describes the file.
func (n *node) tallyFromMuxer() {
	t, ok := n.w.(format.Tally)
	if !ok {
		return
	}
	n.vframes, n.aframes = t.Stored()
	for _, k := range []media.Kind{media.KindVideo, media.KindAudio} {
		if t.LeftOut(k) {
			n.unmapped[k] = true
		}
	}
}

// unmappedKinds names the kinds of tracks left out of the file:
// "video", "audio", "video,audio" or "".
func (n *node) unmappedKinds() string {
	var out string
	for _, k := range []media.Kind{media.KindVideo, media.KindAudio} {
		if n.unmapped[k] {
			if out != "" {
				out += ","
			}
			out += k.String()
		}
	}
	return out
}
