package playback

import (
	"bytes"
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg1audio"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"

	"github.com/rtmprecd/rtmprecd/media"
)

// The tracks of an MPEG-TS recording are built from what its first
// frames carry (parameter sets in band, ADTS headers), then read the way
// every other source's are: HEVC through an MP4 sample entry that
// mediacommon writes (hvcC needs the SPS parsed), H.264, AAC, MP3 and
// Opus through the FLV tag a publisher of the same stream would send. So
// a track from a TS recording compares and maps like one from an MP4 or
// FLV recording.

// videoParams are the parameter sets of a video key frame, in the order
// they came (VPS only for HEVC).
type videoParams struct {
	vps, sps, pps [][]byte
}

// videoTrack is the media track of H.264 or HEVC with parameter sets p.
func videoTrack(codec tsCodec, p *videoParams) (*media.Track, error) {
	if len(p.sps) == 0 || len(p.pps) == 0 || codec == tsHEVC && len(p.vps) == 0 {
		return nil, fmt.Errorf("%w: MPEG-TS key frame without parameter sets", errDamaged)
	}
	if codec == tsHEVC { // hvcC says what the SPS does: mediacommon parses it
		if len(p.vps) > 1 || len(p.sps) > 1 || len(p.pps) > 1 {
			// mediacommon's hvcC holds one of each, and the samples lose
			// their in-band sets: the others would be missing
			return nil, fmt.Errorf("HEVC with %d VPS, %d SPS, %d PPS in MPEG-TS", len(p.vps), len(p.sps), len(p.pps))
		}
		return initTrack(&codecs.H265{VPS: p.vps[0], SPS: p.sps[0], PPS: p.pps[0]})
	}
	return flvTrack(tagVideo, append([]byte{0x17, 0, 0, 0, 0}, avcC(p)...))
}

// avcC is the AVCDecoderConfigurationRecord of the parameter sets (ISO/IEC
// 14496-15 5.3.3.1; the profile bytes are the first SPS's): every set, as
// media's parser and our MP4 writer read it; no SPS parsing, so an SPS
// that a strict parser refuses still exports.
func avcC(p *videoParams) []byte {
	sps := p.sps[0]
	b := []byte{1, 0, 0, 0, 0xff, 0xe0 | byte(min(len(p.sps), 31))}
	if len(sps) >= 4 {
		copy(b[1:4], sps[1:4])
	}
	for _, s := range p.sps[:min(len(p.sps), 31)] {
		b = append(append(b, byte(len(s)>>8), byte(len(s))), s...)
	}
	b = append(b, byte(min(len(p.pps), 255)))
	for _, s := range p.pps[:min(len(p.pps), 255)] {
		b = append(append(b, byte(len(s)>>8), byte(len(s))), s...)
	}
	return b
}

// aacTrack is the media track of AAC whose ADTS header is h: the FLV
// sequence header of its AudioSpecificConfig.
func aacTrack(h adtsHeader) (*media.Track, error) {
	asc, err := mpeg4audio.AudioSpecificConfig{
		Type: mpeg4audio.ObjectType(h.objectType), SampleRate: h.sampleRate(), ChannelCount: h.channels(),
	}.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: MPEG-TS track: %w", errDamaged, err)
	}
	return flvTrack(tagAudio, append([]byte{0xaf, 0}, asc...))
}

// initTrack writes an fMP4 init segment of one track of codec c through
// mediacommon and reads its track back.
func initTrack(c codecs.Codec) (*media.Track, error) {
	var buf seekablebuffer.Buffer
	in := fmp4.Init{Tracks: []*fmp4.InitTrack{{ID: 1, TimeScale: 90000, Codec: c}}}
	if err := in.Marshal(&buf); err != nil {
		return nil, fmt.Errorf("%w: MPEG-TS track: %w", errDamaged, err)
	}
	b := buf.Bytes()
	ts, _, err := readMoov(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	if len(ts) != 1 || ts[0].track == nil {
		return nil, fmt.Errorf("%w: MPEG-TS track", errDamaged)
	}
	return ts[0].track, nil
}

// mp3Track is the media track of MPEG audio whose first frame is f, in
// the FLV tag a publisher would send (its sound flags say the frame's
// rate and channels).
func mp3Track(f []byte) (*media.Track, error) {
	var h mpeg1audio.FrameHeader
	if err := h.Unmarshal(f); err != nil {
		return nil, fmt.Errorf("%w: MPEG-TS track: %w", errDamaged, err)
	}
	return flvTrack(tagAudio, append([]byte{mp3SoundFlags(h.SampleRate, h.ChannelMode != mpeg1audio.ChannelModeMono)}, f...))
}

// mp3SoundFlags is the first byte of an FLV MP3 audio tag of that rate
// (FLV's nearest SoundRate, 44 kHz for the rates it has no value for)
// and channels, 16-bit.
func mp3SoundFlags(rate int, stereo bool) byte {
	flags := byte(2<<4 | 1<<1)
	switch rate {
	case 22050:
		flags |= 2 << 2
	case 11025:
		flags |= 1 << 2
	default:
		flags |= 3 << 2
	}
	if stereo {
		flags |= 1
	}
	return flags
}

// opusTrack is the media track of Opus with channels channels: an
// Enhanced RTMP sequence start with an Opus ID header (RFC 7845 5.1;
// MPEG-TS carries no pre-skip: 0).
func opusTrack(channels int) (*media.Track, error) {
	head := []byte{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, byte(channels), 0, 0, 0x80, 0xbb, 0, 0, 0, 0, 0}
	return flvTrack(tagAudio, append([]byte{9 << 4, 'O', 'p', 'u', 's'}, head...))
}

// flvTrack runs an FLV tag body through media's parser.
func flvTrack(typ uint8, body []byte) (*media.Track, error) {
	var p media.Parser
	f := p.Media(typ, 0, body)
	if len(f.Units) != 1 || f.Units[0].Track == nil || !f.Units[0].Track.HasParams() {
		return nil, fmt.Errorf("%w: MPEG-TS track: %v", errDamaged, f.Err)
	}
	return f.Units[0].Track, nil
}
