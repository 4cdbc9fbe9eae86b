package flv

import (
	"encoding/binary"
	"math"
	"unicode/utf8"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

// creator is our onMetaData "metadatacreator": it marks a file whose
// first tag is room we reserved, so record_append can reuse it.
const creator = "rtmprecd"

// metaFields is what a file's onMetaData says about its streams, learnt
// from the codec state at open and from the sequence headers written.
type metaFields struct {
	videoCodec, audioCodec float64
	hasVideo, hasAudio     bool
	width, height          float64 // 0 when unknown
	framerate              float64 // the publisher's; 0: computed at close
	sampleRate             float64
	stereo, hasStereo      bool
	pub                    amf.Object // the publisher's other scalar fields
	// announcedVideo: the publisher's onMetaData names a video codec or a
	// picture size, so video is coming even before its first frame.
	announcedVideo bool
}

// ours are the fields we write or that would be wrong for the file if
// copied from the publisher's metadata.
var ours = map[string]bool{
	"duration": true, "filesize": true, "width": true, "height": true, "framerate": true,
	"videocodecid": true, "audiocodecid": true, "audiosamplerate": true, "stereo": true,
	"keyframes": true, "metadatacreator": true, "lasttimestamp": true, "lastkeyframetimestamp": true,
	"lastkeyframelocation": true, "hasKeyframes": true, "hasMetadata": true, "canSeekToEnd": true,
	"datasize": true, "videosize": true, "audiosize": true, "times": true, "filepositions": true,
	padKey: true,
}

// Bounds on the publisher's fields copied into every file.
const (
	maxPubFields = 64
	maxPubString = 255 // longer strings break ffmpeg's metadata parser
)

// fieldsFromCodec starts a file's metadata from the session's codec state.
func fieldsFromCodec(c *media.State) metaFields {
	var m metaFields
	if c == nil {
		return m
	}
	m.publisher(c.Metadata)
	m.video(c.Video())
	if a := c.Audio(); a != nil && a.Header != nil {
		m.audio(a)
	}
	return m
}

// publisher takes the publisher's onMetaData: scalar fields we do not
// write ourselves, and width, height, framerate as fallbacks.
func (m *metaFields) publisher(b []byte) {
	vals, err := amf.Decode(b, amf.DefaultLimits)
	if err != nil || len(vals) < 2 {
		return
	}
	var obj amf.Object
	switch v := vals[1].(type) {
	case amf.Object:
		obj = v
	case amf.ECMAArray:
		obj = amf.Object(v)
	}
	m.width, _ = obj.Number("width")
	m.height, _ = obj.Number("height")
	m.framerate, _ = obj.Number("framerate")
	m.announcedVideo = m.width > 0 && m.height > 0 || announces(obj, "videocodecid")
	for _, p := range obj {
		// An empty key reads as the array's end marker (rtmp/amf refuses
		// one today), and AMF0 strings are UTF-8: decoders that check
		// (go-flv) reject the whole tag over one bad publisher string.
		if ours[p.Key] || len(m.pub) >= maxPubFields || p.Key == "" || len(p.Key) > maxPubString ||
			!utf8.ValidString(p.Key) {
			continue
		}
		switch v := p.Value.(type) {
		case float64, bool:
			m.pub = append(m.pub, p)
		case string:
			if len(v) <= maxPubString && utf8.ValidString(v) {
				m.pub = append(m.pub, p)
			}
		}
	}
}

// announces reports whether obj has key with a value other than 0, "" or
// false.
func announces(obj amf.Object, key string) bool {
	for _, p := range obj {
		if p.Key != key {
			continue
		}
		switch v := p.Value.(type) {
		case float64:
			return v != 0
		case string:
			return v != ""
		case bool:
			return v
		}
	}
	return false
}

// video learns from a video track: codec and, when its configuration
// says it, the picture size.
func (m *metaFields) video(t *media.Track) {
	if t == nil {
		return
	}
	m.hasVideo, m.videoCodec = true, codecID(t)
	if t.Width > 0 && t.Height > 0 {
		m.width, m.height = float64(t.Width), float64(t.Height)
	}
}

// audio learns from an audio track: codec, sample rate and stereo, from
// the AAC config or Enhanced RTMP header when known, else from the legacy
// sound flags (as FLV declares them).
func (m *metaFields) audio(t *media.Track) {
	if t == nil {
		return
	}
	m.hasAudio, m.audioCodec = true, codecID(t)
	switch {
	case t.AAC != nil:
		m.sampleRate, m.stereo, m.hasStereo = float64(t.AAC.SampleRate), t.AAC.ChannelConfig >= 2, true
	case t.Codec == media.CodecAAC:
		// no AudioSpecificConfig (yet): nothing to say
	case t.FourCC == 0:
		m.sampleRate, m.stereo, m.hasStereo = float64(media.FLVSoundRate(t.SoundFlags)), t.SoundFlags&1 == 1, true
	case t.SampleRate > 0:
		m.sampleRate, m.stereo, m.hasStereo = float64(t.SampleRate), t.Channels >= 2, true
	}
}

// codecID is videocodecid/audiocodecid: the legacy FLV id, or the
// Enhanced RTMP FourCC as a number.
func codecID(t *media.Track) float64 {
	if t.FourCC != 0 {
		return float64(t.FourCC)
	}
	return float64(t.LegacyID)
}

// metaDoc is one onMetaData body to encode.
type metaDoc struct {
	f        *metaFields
	final    bool    // duration, filesize and keyframes are known
	duration float64 // seconds
	filesize int64
	rate     float64 // framerate computed from the frames, when the publisher gave none
	times    []int64 // keyframe times (ms) ...
	pos      []int64 // ... and tag offsets
	every    int     // keep every n-th index entry
	noPub    bool    // leave out the publisher's fields
}

// encode appends the script tag body: "onMetaData" and an ECMA array,
// ending, when pad > 0, with padding of pad bytes (≥ padMin). The index
// comes first: go-amf0 v0.1.0 (go-flv's decoder) reads an object inside
// an ECMA array only as its first property (see metapad.go), and every
// other reader takes the properties in any order.
func (d *metaDoc) encode(dst []byte, pad int) []byte {
	dst, _ = amf.Append(dst, "onMetaData")
	dst = append(dst, 0x08, 0, 0, 0, 0)
	at, n := len(dst)-4, 0
	prop := func(k string, v any) {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(k)))
		dst, _ = amf.Append(append(dst, k...), v)
		n++
	}
	if d.indexed() {
		dst = binary.BigEndian.AppendUint16(dst, 9)
		dst = d.index(append(dst, "keyframes"...))
		n++
	}
	d.fields(prop)
	if pad > 0 {
		var k int
		dst, k = appendPad(dst, pad)
		n += k
	}
	binary.BigEndian.PutUint32(dst[at:], uint32(n))
	return append(dst, 0, 0, 9)
}

// fields adds every property but the index.
func (d *metaDoc) fields(prop func(string, any)) {
	f := d.f
	if d.final {
		prop("duration", d.duration)
		prop("filesize", float64(d.filesize))
	}
	if f.width > 0 && f.height > 0 {
		prop("width", f.width)
		prop("height", f.height)
	}
	rate := f.framerate // the publisher's, else the one measured
	if rate == 0 {
		rate = d.rate
	}
	if rate > 0 {
		prop("framerate", rate)
	}
	if f.hasVideo {
		prop("videocodecid", f.videoCodec)
	}
	if f.hasAudio {
		prop("audiocodecid", f.audioCodec)
	}
	if f.sampleRate > 0 {
		prop("audiosamplerate", f.sampleRate)
	}
	if f.hasStereo {
		prop("stereo", f.stereo)
	}
	prop("metadatacreator", creator)
	if !d.noPub {
		for _, p := range f.pub {
			prop(p.Key, p.Value)
		}
	}
}

// minIndex is the fewest entries a keyframes object is written with:
// ffmpeg rejects a shorter one ("Invalid keyframes object") on every open,
// and a file with one keyframe or none (audio only) has nothing to seek
// to. Its room in the reserve becomes padding.
const minIndex = 2

// indexed reports whether the body carries the keyframes object.
func (d *metaDoc) indexed() bool {
	every := max(d.every, 1)
	return d.final && (len(d.times)+every-1)/every >= minIndex
}

// index appends the keyframes object: times (s) and filepositions.
func (d *metaDoc) index(dst []byte) []byte {
	every := max(d.every, 1)
	dst = append(dst, 0x03, 0, 5)
	dst = append(dst, "times"...)
	dst = numbers(dst, d.times, every, 1000)
	dst = append(dst, 0, 13)
	dst = append(dst, "filepositions"...)
	dst = numbers(dst, d.pos, every, 1)
	return append(dst, 0, 0, 9)
}

// numbers appends a strict array of every n-th value divided by div.
func numbers(dst []byte, v []int64, every int, div float64) []byte {
	dst = append(dst, 0x0A)
	dst = binary.BigEndian.AppendUint32(dst, uint32((len(v)+every-1)/every))
	for i := 0; i < len(v); i += every {
		dst = append(dst, 0x00)
		dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(float64(v[i])/div))
	}
	return dst
}

// entryBytes is what one keyframe costs in the index: two AMF0 numbers.
const entryBytes = 18

// indexBytes is what the keyframes object costs without entries: its key,
// the object with its two keys and array headers, and its end marker.
const indexBytes = 2 + len("keyframes") + 1 + 2 + len("times") + 5 + 2 + len("filepositions") + 5 + 3

// reserveFor returns the body size to reserve for a file whose index is
// expected to hold entries entries: the final metadata with every field
// that may become known, the publisher's fields, that many entries, and
// slack, and room for the smallest padding so that a body of that size
// can always fill the reserve exactly (see fit).
func reserveFor(f *metaFields, entries int) int {
	full := *f
	full.hasVideo, full.hasAudio, full.hasStereo = true, true, true
	full.width, full.height, full.sampleRate = 1, 1, 1
	d := metaDoc{f: &full, final: true, rate: 1}
	n := len(d.encode(nil, 0)) + 64 + padMin
	if entries > 0 {
		n += indexBytes + entries*entryBytes
	}
	return n
}

// fit encodes d into exactly size bytes: the index is thinned (every 2nd,
// 4th, ... entry) until it fits, then the publisher's fields go. A body
// that does not fill size exactly takes the padding property (metapad.go),
// so it must leave at least padMin bytes free: one more thinning step
// when it leaves fewer. ok is false when even the bare fields do not fit,
// or fit but leave 1 to padMin-1 bytes: reserveFor's rooms always leave
// more, and so do those of older files of ours (record_append).
func (d *metaDoc) fit(size int) (body []byte, ok bool) {
	for _, noPub := range [2]bool{false, true} {
		d.noPub = noPub
		for d.every = 1; ; d.every *= 2 {
			body = d.encode(body[:0], 0)
			if n := len(body); n == size || n+padMin <= size {
				if n < size {
					body = d.encode(body[:0], size-n)
				}
				return body, true
			}
			if d.every >= len(d.times) {
				break
			}
		}
	}
	return nil, false
}
