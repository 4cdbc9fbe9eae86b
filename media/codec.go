package media

import "encoding/binary"

// Kind is a track's media type.
type Kind uint8

// Track kinds.
const (
	KindVideo Kind = 1
	KindAudio Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindVideo:
		return "video"
	case KindAudio:
		return "audio"
	}
	return "unknown"
}

// Message types, as RTMP message type ids and FLV tag types (they are the
// same numbers).
const (
	TypeAudio uint8 = 8
	TypeVideo uint8 = 9
	TypeData  uint8 = 18 // AMF0 data (onMetaData etc.); AMF3 data is converted
)

// FourCC is an Enhanced RTMP codec identifier, as the big-endian number of
// its four characters (which is also how onMetaData carries it).
type FourCC uint32

func fourCC(s string) FourCC { return FourCC(binary.BigEndian.Uint32([]byte(s))) }

// String returns the four characters.
func (f FourCC) String() string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(f))
	return string(b[:])
}

// Enhanced RTMP FourCCs.
var (
	FourCCAVC  = fourCC("avc1")
	FourCCHEVC = fourCC("hvc1")
	FourCCVVC  = fourCC("vvc1")
	FourCCAV1  = fourCC("av01")
	FourCCVP8  = fourCC("vp08")
	FourCCVP9  = fourCC("vp09")
	FourCCAAC  = fourCC("mp4a")
	FourCCOpus = fourCC("Opus")
	FourCCFLAC = fourCC("fLaC")
	FourCCAC3  = fourCC("ac-3")
	FourCCEAC3 = fourCC("ec-3")
	FourCCMP3  = fourCC(".mp3")
)

// Codec identifies a codec, whichever way the stream signalled it
// (legacy FLV id or FourCC).
type Codec uint8

// Codecs. The legacy FLV ones without an Enhanced RTMP FourCC keep their
// FLV names.
const (
	CodecUnknown Codec = iota
	// Video.
	CodecH263 // Sorenson H.263
	CodecScreen
	CodecVP6
	CodecVP6Alpha
	CodecScreen2
	CodecAVC
	CodecHEVC
	CodecVVC
	CodecAV1
	CodecVP8
	CodecVP9
	// Audio.
	CodecPCM // linear PCM, platform endian
	CodecADPCM
	CodecMP3
	CodecPCMLE
	CodecNellymoser16k
	CodecNellymoser8k
	CodecNellymoser
	CodecG711A
	CodecG711U
	CodecAAC
	CodecSpeex
	CodecMP38k
	CodecDeviceSpecific
	CodecOpus
	CodecFLAC
	CodecAC3
	CodecEAC3
)

// codecInfo is what the package knows about one codec.
type codecInfo struct {
	name string // as nginx-rtmp's /stat spells it, extended for E-RTMP
	kind Kind
	// needsHeader: undecodable without its sequence start.
	needsHeader bool
	// cts: Enhanced RTMP CodedFrames carry an SI24 composition time offset.
	cts bool
}

var codecs = [...]codecInfo{
	CodecH263:           {"Sorenson-H263", KindVideo, false, false},
	CodecScreen:         {"ScreenVideo", KindVideo, false, false},
	CodecVP6:            {"On2-VP6", KindVideo, false, false},
	CodecVP6Alpha:       {"On2-VP6-Alpha", KindVideo, false, false},
	CodecScreen2:        {"ScreenVideo2", KindVideo, false, false},
	CodecAVC:            {"H264", KindVideo, true, true},
	CodecHEVC:           {"H265", KindVideo, true, true},
	CodecVVC:            {"H266", KindVideo, true, true},
	CodecAV1:            {"AV1", KindVideo, true, false},
	CodecVP8:            {"VP8", KindVideo, true, false},
	CodecVP9:            {"VP9", KindVideo, true, false},
	CodecPCM:            {"LinearPE", KindAudio, false, false},
	CodecADPCM:          {"ADPCM", KindAudio, false, false},
	CodecMP3:            {"MP3", KindAudio, false, false},
	CodecPCMLE:          {"LinearLE", KindAudio, false, false},
	CodecNellymoser16k:  {"Nellymoser16", KindAudio, false, false},
	CodecNellymoser8k:   {"Nellymoser8", KindAudio, false, false},
	CodecNellymoser:     {"Nellymoser", KindAudio, false, false},
	CodecG711A:          {"G711A", KindAudio, false, false},
	CodecG711U:          {"G711U", KindAudio, false, false},
	CodecAAC:            {"AAC", KindAudio, true, false},
	CodecSpeex:          {"Speex", KindAudio, false, false},
	CodecMP38k:          {"MP3-8K", KindAudio, false, false},
	CodecDeviceSpecific: {"DeviceSpecific", KindAudio, false, false},
	CodecOpus:           {"Opus", KindAudio, false, false},
	CodecFLAC:           {"FLAC", KindAudio, true, false},
	CodecAC3:            {"AC3", KindAudio, false, false},
	CodecEAC3:           {"EAC3", KindAudio, false, false},
}

func (c Codec) info() codecInfo {
	if int(c) < len(codecs) {
		return codecs[c]
	}
	return codecInfo{}
}

// String is the codec's name as nginx-rtmp's /stat spells it ("H264",
// "AAC", ...), extended with the Enhanced RTMP codecs ("H265", "AV1",
// "VP9", "Opus", "FLAC", "AC3", "EAC3"); "" for CodecUnknown.
func (c Codec) String() string { return c.info().name }

// NeedsHeader reports whether the codec cannot be decoded without its
// sequence start: AVC, HEVC, VVC, AV1, VP8, VP9, AAC and FLAC. A recorder
// starts a file of such a codec only once the header is known.
func (c Codec) NeedsHeader() bool { return c.info().needsHeader }

// Legacy FLV video CodecIDs (VIDEODATA's low nibble). 12 is the HEVC id
// that encoders used before Enhanced RTMP.
var legacyVideo = [16]Codec{2: CodecH263, 3: CodecScreen, 4: CodecVP6, 5: CodecVP6Alpha, 6: CodecScreen2,
	7: CodecAVC, 12: CodecHEVC}

// Legacy FLV SoundFormats (AUDIODATA's high nibble); 9 announces an
// Enhanced RTMP header.
var legacyAudio = [16]Codec{0: CodecPCM, 1: CodecADPCM, 2: CodecMP3, 3: CodecPCMLE, 4: CodecNellymoser16k,
	5: CodecNellymoser8k, 6: CodecNellymoser, 7: CodecG711A, 8: CodecG711U, 10: CodecAAC, 11: CodecSpeex,
	14: CodecMP38k, 15: CodecDeviceSpecific}

// Legacy codec ids that carry a packet type byte (and, for video, a
// composition time).
const (
	legacyAVC  = 7
	legacyHEVC = 12
	legacyAAC  = 10
	soundEx    = 9 // SoundFormat ExHeader
)

// fourCCCodec maps Enhanced RTMP FourCCs to codecs.
func fourCCCodec(f FourCC) Codec {
	switch f {
	case FourCCAVC:
		return CodecAVC
	case FourCCHEVC:
		return CodecHEVC
	case FourCCVVC:
		return CodecVVC
	case FourCCAV1:
		return CodecAV1
	case FourCCVP8:
		return CodecVP8
	case FourCCVP9:
		return CodecVP9
	case FourCCAAC:
		return CodecAAC
	case FourCCOpus:
		return CodecOpus
	case FourCCFLAC:
		return CodecFLAC
	case FourCCAC3:
		return CodecAC3
	case FourCCEAC3:
		return CodecEAC3
	case FourCCMP3:
		return CodecMP3
	}
	return CodecUnknown
}
