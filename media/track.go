package media

// Track is one audio or video track of a stream and what its codec
// configuration says. A *Track is immutable once a State holds it: a
// change of codec or parameters makes a new Track.
type Track struct {
	Kind  Kind
	ID    uint8 // Enhanced RTMP track id; 0 is the default track of its kind
	Codec Codec
	// FourCC is the Enhanced RTMP FourCC the track is signalled with; 0 for
	// legacy FLV signalling, where LegacyID is the FLV CodecID (video) or
	// SoundFormat (audio).
	FourCC   FourCC
	LegacyID uint8
	// SoundFlags is the first byte of a legacy audio body: sound format,
	// rate, size and type bits, as FLV writers and /stat report them.
	SoundFlags uint8

	// Header is the latest sequence start as a single-track FLV tag body
	// (byte for byte what the publisher sent, unless it came in a
	// multitrack body); nil when none was seen. Writers put it at the start
	// of every file.
	Header []byte
	// Config is the codec configuration inside Header: the decoder
	// configuration record (avcC, hvcC, av1C, vpcC), AudioSpecificConfig,
	// Opus ID header or FLAC signature and STREAMINFO; nil if none.
	Config []byte

	// What the configuration (or, for codecs without one, the first frame)
	// says; zero when unknown.
	Width, Height int
	FrameRate     float64 // from the codec's timing information only
	SampleRate    int     // samples per second decoded
	Channels      int

	// The parsed configuration of the track's codec; nil for the others
	// and when the configuration did not parse.
	AVC  *AVCConfig
	HEVC *HEVCConfig
	AV1  *AV1Config
	VP9  *VP9Config
	AAC  *AACConfig
	Opus *OpusConfig
	FLAC *FLACConfig
	MP3  *MP3Config
	AC3  *AC3Config
	EAC3 *EAC3Config

	ex bool // signalled with an Enhanced RTMP header

	// params is the canonical form of the parsed parameters, compared by
	// SameParams; the raw Config when it did not parse.
	params string
}

// NeedsHeader reports whether the track cannot be decoded before its
// sequence start: the codecs of Codec.NeedsHeader, and video of a FourCC
// this package does not know (every Enhanced RTMP video codec starts with
// one).
func (t *Track) NeedsHeader() bool {
	return t.Codec.NeedsHeader() || t.Kind == KindVideo && t.FourCC != 0 && t.Codec == CodecUnknown
}

// HasParams reports whether the track's parameters are known: a sequence
// start, or for codecs without one (MP3, AC-3, E-AC-3) a parsed frame.
func (t *Track) HasParams() bool { return t.params != "" }

// SameParams is the codec-parameter rule: it reports whether o has the
// same codec and the same parsed parameters as t. A sequence start for
// which it holds is a resend, to be ignored; otherwise it is a change,
// which a container that stores the parameters once per file (MP4, HLS)
// answers with a new file. Two headers that differ only in their FLV
// wrapping (the composition time field, the frame type) or in bits the
// codec reserves have the same parameters; a move between legacy and
// FourCC signalling is a change of track.
func (t *Track) SameParams(o *Track) bool {
	return t != nil && o != nil && t.Kind == o.Kind && t.Codec == o.Codec && t.ex == o.ex && t.FourCC == o.FourCC &&
		t.params == o.params
}

// AVCConfig is a parsed AVCDecoderConfigurationRecord (ISO/IEC 14496-15).
type AVCConfig struct {
	Profile, Compat, Level uint8
	LengthSize             int // bytes of each NAL unit length
	SPS, PPS               [][]byte
}

// HEVCConfig is a parsed HEVCDecoderConfigurationRecord.
type HEVCConfig struct {
	Profile, Level uint8 // general_profile_idc, general_level_idc
	LengthSize     int
	VPS, SPS, PPS  [][]byte
}

// AV1Config is a parsed AV1CodecConfigurationRecord.
type AV1Config struct {
	Profile, Level, Tier uint8
	// SequenceHeader is the sequence header OBU of the record's configOBUs;
	// nil when the record carries none.
	SequenceHeader []byte
}

// VP9Config is a parsed VPCodecConfigurationRecord (VP codec ISO media
// file format binding).
type VP9Config struct {
	Profile, Level, BitDepth, Chroma uint8
	FullRange                        bool
	Primaries, Transfer, Matrix      uint8
}

// AACConfig is what the AudioSpecificConfig (Track.Config) says.
type AACConfig struct {
	ObjectType    int // 2 = AAC LC, 5 = SBR, ...
	SampleRate    int
	ChannelConfig int // 0: defined by a program config element
}

// OpusConfig is the Opus ID header (RFC 7845 5.1), Track.Config.
type OpusConfig struct {
	Channels        int
	PreSkip         int
	InputSampleRate int
	OutputGain      int16
	MappingFamily   uint8
}

// FLACConfig is the FLAC STREAMINFO block.
type FLACConfig struct {
	SampleRate, Channels, BitDepth int
	MinBlockSize, MaxBlockSize     int
}

// MP3Config is read from an MPEG audio frame header.
type MP3Config struct {
	MPEG2      bool // MPEG-2 or 2.5 (lower sample rates)
	Layer      int
	SampleRate int
	Channels   int
	Bitrate    int // bits per second of the frame read
}

// AC3Config is read from an AC-3 syncframe (what an MP4 dac3 box holds).
type AC3Config struct {
	Fscod, Bsid, Bsmod, Acmod, BitRateCode uint8
	LFE                                    bool
}

// EAC3Config is read from an E-AC-3 syncframe (independent substream 0).
type EAC3Config struct {
	Fscod, Bsid, Acmod, Numblkscod uint8
	LFE                            bool
}
