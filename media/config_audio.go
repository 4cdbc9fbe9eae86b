package media

import (
	"encoding/binary"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/ac3"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/eac3"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg1audio"
)

// AACSampleRates is the sampling frequency table of ISO/IEC 14496-3
// (samplingFrequencyIndex 0 to 12).
var AACSampleRates = [...]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// parseAAC reads the start of an AudioSpecificConfig: object type,
// sampling frequency and channel configuration. Its parameters are the
// whole config, which MP4 and HLS carry as it is.
func parseAAC(t *Track, b []byte) string {
	r := bitReader{b: b}
	obj := r.bits(5)
	if obj == 31 {
		obj = 32 + r.bits(6)
	}
	var rate int
	if i := r.bits(4); i == 15 {
		rate = int(r.bits(24))
	} else if int(i) < len(AACSampleRates) {
		rate = AACSampleRates[i]
	}
	ch := int(r.bits(4))
	if r.bad || rate == 0 {
		return ""
	}
	t.AAC = &AACConfig{ObjectType: int(obj), SampleRate: rate, ChannelConfig: ch}
	t.SampleRate, t.Channels = rate, ch
	if ch == 7 {
		t.Channels = 8
	}
	return "aac:" + string(b)
}

// parseOpus reads the Opus ID header ("OpusHead", RFC 7845 5.1).
func parseOpus(t *Track, b []byte) string {
	if len(b) < 19 || string(b[:8]) != "OpusHead" || b[8]>>4 != 0 || b[9] == 0 {
		return ""
	}
	t.Opus = &OpusConfig{Channels: int(b[9]), PreSkip: int(binary.LittleEndian.Uint16(b[10:])),
		InputSampleRate: int(binary.LittleEndian.Uint32(b[12:])), OutputGain: int16(binary.LittleEndian.Uint16(b[16:])),
		MappingFamily: b[18]}
	t.SampleRate, t.Channels = 48000, int(b[9]) // Opus always decodes at 48 kHz
	return "opus:" + string(b)
}

// parseFLAC reads the "fLaC" signature and the STREAMINFO block that must
// follow it. Its parameters leave out the total sample count and MD5,
// which a live encoder cannot know.
func parseFLAC(t *Track, b []byte) string {
	if len(b) >= 4 && string(b[:4]) == "fLaC" {
		b = b[4:]
	}
	if len(b) < 4+34 || b[0]&0x7f != 0 || int(b[1])<<16|int(b[2])<<8|int(b[3]) < 34 {
		return ""
	}
	si := b[4:]
	c := &FLACConfig{MinBlockSize: int(binary.BigEndian.Uint16(si)), MaxBlockSize: int(binary.BigEndian.Uint16(si[2:])),
		SampleRate: int(si[10])<<12 | int(si[11])<<4 | int(si[12])>>4,
		Channels:   int(si[12]>>1&7) + 1, BitDepth: int(si[12]&1)<<4 | int(si[13]>>4) + 1}
	if c.SampleRate == 0 {
		return ""
	}
	t.FLAC, t.SampleRate, t.Channels = c, c.SampleRate, c.Channels
	return "flac:" + string(si[:13]) + string(si[13]>>4)
}

// parseMP3 reads an MPEG audio frame header.
func parseMP3(t *Track, b []byte) bool {
	var h mpeg1audio.FrameHeader
	if h.Unmarshal(b) != nil {
		return false
	}
	ch := 2
	if h.ChannelMode == mpeg1audio.ChannelModeMono {
		ch = 1
	}
	t.MP3 = &MP3Config{MPEG2: h.MPEG2, Layer: int(h.Layer), SampleRate: h.SampleRate, Channels: ch, Bitrate: h.Bitrate}
	t.SampleRate, t.Channels = h.SampleRate, ch
	t.params = "mp3:" + string(b[1:4])
	return true
}

// parseAC3 reads an AC-3 syncframe's syncinfo and bit stream information.
func parseAC3(t *Track, b []byte) bool {
	var si ac3.SyncInfo
	var bsi ac3.BSI
	// BSI reads up to two bytes past its length check: keep them present.
	if len(b) < 5+4 || si.Unmarshal(b) != nil || bsi.Unmarshal(b[5:]) != nil {
		return false
	}
	t.AC3 = &AC3Config{Fscod: si.Fscod, Bsid: bsi.Bsid, Bsmod: bsi.Bsmod, Acmod: bsi.Acmod,
		BitRateCode: si.Frmsizecod >> 1, LFE: bsi.LfeOn}
	t.SampleRate, t.Channels = si.SampleRate(), bsi.ChannelCount()
	t.params = "ac3:" + string(b[4:8])
	return true
}

// parseEAC3 reads an E-AC-3 syncframe header.
func parseEAC3(t *Track, b []byte) bool {
	var si eac3.SyncInfo
	if len(b) < 16 || si.Unmarshal(b) != nil {
		return false
	}
	t.EAC3 = &EAC3Config{Fscod: si.Fscod, Bsid: si.Bsid, Acmod: si.Acmod, Numblkscod: si.Numblkscod, LFE: si.Lfeon}
	t.SampleRate, t.Channels = si.SampleRate(), si.ChannelCount()
	t.params = "eac3:" + string(b[2:8])
	return true
}

// legacyAudioParams sets what a legacy FLV audio body's first byte says,
// for the codecs whose configuration or frames say nothing better.
func legacyAudioParams(t *Track, flags uint8) {
	t.SoundFlags = flags
	t.Channels = 1 + int(flags&1)
	t.SampleRate = FLVSoundRate(flags)
	switch t.Codec {
	case CodecNellymoser16k, CodecSpeex:
		t.SampleRate, t.Channels = 16000, 1
	case CodecNellymoser8k, CodecMP38k:
		t.SampleRate = 8000
	case CodecG711A, CodecG711U:
		t.SampleRate = 8000
	}
	if t.Codec != CodecAAC && t.Codec != CodecMP3 && t.Codec != CodecMP38k {
		t.params = "flv:" + string(flags) // all these codecs say about themselves
	}
}

// FLVSoundRate is the rate a legacy FLV audio body's SoundRate bits
// declare (what FLV writers put in onMetaData); AAC, Speex and the 8 kHz
// codecs ignore it.
func FLVSoundRate(flags uint8) int { return [4]int{5512, 11025, 22050, 44100}[flags>>2&3] }
