package playback

import (
	"fmt"

	"github.com/rtmprecd/rtmprecd/media"
)

// FLV tag types, for building media tracks from MP4 sample entries.
const (
	tagAudio = 8
	tagVideo = 9
)

// Sizes of the fixed part of sample entries before their child boxes
// (ISO/IEC 14496-12 12.1.3, 12.2.3).
const (
	visualEntryFixed = 78
	audioEntryFixed  = 28
)

// entryTrack turns an MP4 sample entry (type and body) into the media
// track an FLV publisher of the same stream would have announced: its
// sequence start is built and run through media's parser, so a track
// from an MP4 source compares and maps exactly like one from an FLV
// source. AVC, HEVC, AAC and MP3 are read; other codecs are an error.
func entryTrack(typ string, body []byte) (*media.Track, error) {
	var tag uint8
	var seq []byte
	switch typ {
	case "avc1", "avc3", "hvc1", "hev1":
		if len(body) < visualEntryFixed {
			return nil, fmt.Errorf("%w: short %s entry", errDamaged, typ)
		}
		cs, err := children(body[visualEntryFixed:])
		if err != nil {
			return nil, err
		}
		tag, seq = tagVideo, videoSeq(typ, cs)
	case "mp4a":
		if len(body) < audioEntryFixed {
			return nil, fmt.Errorf("%w: short mp4a entry", errDamaged)
		}
		oti, asc, err := esdsConfig(body[audioEntryFixed:])
		if err != nil {
			return nil, err
		}
		if oti == otiMP3 || oti == otiMP3MPEG2 {
			tag, seq = tagAudio, mp3Tag(oti, int(be.Uint16(body[16:])), int(be.Uint32(body[24:])>>16))
		} else if asc == nil {
			return nil, fmt.Errorf("%w: esds without AudioSpecificConfig", errDamaged)
		} else {
			tag, seq = tagAudio, append([]byte{0xAF, 0x00}, asc...)
		}
	}
	if seq == nil {
		return nil, fmt.Errorf("%w: sample entry %q", ErrUnsupported, typ)
	}
	var p media.Parser
	f := p.Media(tag, 0, seq)
	if len(f.Units) != 1 {
		return nil, fmt.Errorf("%w: %s configuration: %v", errDamaged, typ, f.Err)
	}
	return f.Units[0].Track, nil
}

// videoSeq is the FLV sequence start of an AVC (legacy) or HEVC (Enhanced
// RTMP) entry's configuration record; nil without one.
func videoSeq(typ string, cs []child) []byte {
	if typ == "avc1" || typ == "avc3" {
		if c, ok := find(cs, "avcC"); ok {
			return append([]byte{0x17, 0, 0, 0, 0}, c.body...)
		}
		return nil
	}
	if c, ok := find(cs, "hvcC"); ok {
		return append([]byte{0x90, 'h', 'v', 'c', '1'}, c.body...) // key frame, SequenceStart
	}
	return nil
}

// MPEG-4 object type indications of MP3 in an esds (the recorder's
// mapping: MPEG-1 audio, or MPEG-2 audio for the lower sample rates).
const (
	otiMP3      = 0x6b
	otiMP3MPEG2 = 0x69
)

// mp3Tag is an FLV MP3 audio tag body that names the track of an MP4 MP3
// entry (which has no decoder configuration): the sound flags and a frame
// header of the entry's MPEG version, sample rate and channels, which is
// all media reads of an MP3 track.
func mp3Tag(oti byte, channels, rate int) []byte {
	rates := map[int][2]byte{ // sample rate: version bits, sample rate index (no MPEG-2.5)
		44100: {3, 0}, 48000: {3, 1}, 32000: {3, 2},
		22050: {2, 0}, 24000: {2, 1}, 16000: {2, 2}}
	r, ok := rates[rate]
	if !ok || (r[0] == 3) != (oti == otiMP3) {
		return nil
	}
	mode := byte(3 << 6) // mono
	if channels != 1 {
		mode = 0 // stereo
	}
	flags := mp3SoundFlags(rate, channels != 1)
	// sync, version, layer III, no CRC; bitrate index 9; sample rate index
	return []byte{flags, 0xff, 0xe0 | r[0]<<3 | 1<<1 | 1, 9<<4 | r[1]<<2, mode, 0}
}

// esdsConfig returns the object type indication and the
// DecoderSpecificInfo (AudioSpecificConfig for AAC; nil when absent) of
// the esds among an audio entry's children.
func esdsConfig(b []byte) (byte, []byte, error) {
	cs, err := children(b)
	if err != nil {
		return 0, nil, err
	}
	c, ok := find(cs, "esds")
	if !ok || len(c.body) < 4 {
		return 0, nil, fmt.Errorf("%w: mp4a without esds", errDamaged)
	}
	d, oti := c.body[4:], byte(0)
	for depth := 0; depth < 8; depth++ {
		tag, body, rest, ok := descriptor(d)
		if !ok {
			break
		}
		switch tag {
		case 0x03: // ES_Descriptor: ES_ID, flags, then optional fields
			d = esBody(body)
		case 0x04: // DecoderConfigDescriptor: 13 fixed bytes
			if len(body) < 13 {
				return 0, nil, fmt.Errorf("%w: short decoder config", errDamaged)
			}
			oti, d = body[0], body[13:]
		case 0x05:
			return oti, body, nil
		default:
			d = rest
		}
	}
	return oti, nil, nil
}

// esBody skips an ES_Descriptor's fixed fields and the optional ones its
// flags announce.
func esBody(b []byte) []byte {
	if len(b) < 3 {
		return nil
	}
	flags, p := b[2], 3
	if flags&0x80 != 0 {
		p += 2
	}
	if flags&0x40 != 0 && p < len(b) {
		p += 1 + int(b[p])
	}
	if flags&0x20 != 0 {
		p += 2
	}
	if p > len(b) {
		return nil
	}
	return b[p:]
}

// descriptor reads one tagged descriptor with its variable-length size.
func descriptor(b []byte) (tag byte, body, rest []byte, ok bool) {
	if len(b) < 2 {
		return 0, nil, nil, false
	}
	tag, n, p := b[0], 0, 1
	for i := 0; i < 4 && p < len(b); i++ {
		c := b[p]
		p++
		n = n<<7 | int(c&0x7f)
		if c&0x80 == 0 {
			break
		}
	}
	if p+n > len(b) {
		return 0, nil, nil, false
	}
	return tag, b[p : p+n], b[p+n:], true
}
