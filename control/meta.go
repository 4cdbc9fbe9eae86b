package control

import (
	"fmt"

	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

// StatMeta is a stream's codec information, as nginx-rtmp's <meta>.
type StatMeta struct {
	Video *StatVideo `xml:"video" json:"video,omitempty"`
	Audio *StatAudio `xml:"audio" json:"audio,omitempty"`
}

// StatVideo describes the video: size and frame rate from onMetaData,
// codec from the messages, profile, compat and level from the AVC
// sequence header.
type StatVideo struct {
	Width     int     `xml:"width" json:"width"`
	Height    int     `xml:"height" json:"height"`
	FrameRate float64 `xml:"frame_rate" json:"frame_rate"`
	Codec     string  `xml:"codec" json:"codec"`
	Profile   string  `xml:"profile,omitempty" json:"profile,omitempty"`
	Compat    int     `xml:"compat" json:"compat"`
	Level     string  `xml:"level,omitempty" json:"level,omitempty"`
}

// StatAudio describes the audio; AAC's profile, channels and rate come
// from its sequence header, other codecs' from onMetaData.
type StatAudio struct {
	Codec      string `xml:"codec" json:"codec"`
	Profile    string `xml:"profile,omitempty" json:"profile,omitempty"`
	Channels   int    `xml:"channels" json:"channels"`
	SampleRate int    `xml:"sample_rate" json:"sample_rate"`
}

// Codec names as nginx-rtmp's codec module spells them, by FLV id.
var (
	videoCodecs = map[uint8]string{1: "Jpeg", 2: "Sorenson-H263", 3: "ScreenVideo", 4: "On2-VP6",
		5: "On2-VP6-Alpha", 6: "ScreenVideo2", 7: "H264", 12: "H265"}
	fourCCs     = map[string]string{"avc1": "H264", "hvc1": "H265", "av01": "AV1", "vp09": "VP9"}
	audioCodecs = map[uint8]string{0: "LinearPE", 1: "ADPCM", 2: "MP3", 3: "LinearLE", 4: "Nellymoser16",
		5: "Nellymoser8", 6: "Nellymoser", 7: "G711A", 8: "G711U", 10: "AAC", 11: "Speex", 14: "MP3-8K",
		15: "DeviceSpecific"}
	avcProfiles = map[byte]string{66: "Baseline", 77: "Main", 88: "Extended", 100: "High", 110: "High 10",
		122: "High 4:2:2", 144: "High 4:4:4", 244: "High 4:4:4"}
	aacProfiles = map[byte]string{1: "Main", 2: "LC", 3: "SSR", 4: "LTP", 5: "SBR"}
	aacRates    = []int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}
)

// metaOf describes c; nil before any codec is known.
func metaOf(c *rtmp.CodecState) *StatMeta {
	if c == nil {
		return nil
	}
	md := metadata(c.Metadata)
	m := &StatMeta{}
	if c.HasVideo() {
		m.Video = videoOf(c, md)
	}
	if c.AudioCodecID != 0xFF {
		m.Audio = audioOf(c, md)
	}
	if m.Video == nil && m.Audio == nil {
		return nil
	}
	return m
}

func videoOf(c *rtmp.CodecState, md amf.Object) *StatVideo {
	v := &StatVideo{Codec: videoCodecs[c.VideoCodecID]}
	if c.VideoFourCC != "" {
		v.Codec = fourCCs[c.VideoFourCC]
		if v.Codec == "" {
			v.Codec = c.VideoFourCC
		}
	}
	w, _ := md.Number("width")
	h, _ := md.Number("height")
	v.Width, v.Height = int(w), int(h)
	if fr, ok := md.Number("framerate"); ok {
		v.FrameRate = fr
	} else {
		v.FrameRate, _ = md.Number("videoframerate")
	}
	// Legacy AVC sequence header: 5 bytes of FLV video header, then the
	// AVCDecoderConfigurationRecord (version, profile, compat, level).
	if h := c.VideoHeader; c.VideoCodecID == 7 && len(h) >= 9 {
		v.Profile, v.Compat = avcProfiles[h[6]], int(h[7])
		v.Level = fmt.Sprintf("%d.%d", h[8]/10, h[8]%10)
	}
	return v
}

func audioOf(c *rtmp.CodecState, md amf.Object) *StatAudio {
	a := &StatAudio{Codec: audioCodecs[c.AudioCodecID]}
	// AAC sequence header: sound byte, packet type 0, AudioSpecificConfig
	// (5 bits object type, 4 bits rate index, 4 bits channels).
	if h := c.AudioHeader; c.AudioCodecID == 10 && len(h) >= 4 {
		a.Profile = aacProfiles[h[2]>>3]
		if i := int(h[2]&7)<<1 | int(h[3]>>7); i < len(aacRates) {
			a.SampleRate = aacRates[i]
		}
		a.Channels = int(h[3]>>3) & 0x0f
		return a
	}
	sr, _ := md.Number("audiosamplerate")
	a.SampleRate = int(sr)
	a.Channels = 1
	if st, _ := md.Get("stereo"); st == true {
		a.Channels = 2
	}
	if ch, ok := md.Number("audiochannels"); ok {
		a.Channels = int(ch)
	}
	return a
}

// metadata decodes an onMetaData body ("onMetaData" then an object or
// ECMA array); nil when absent or malformed.
func metadata(body []byte) amf.Object {
	if body == nil {
		return nil
	}
	_, rest, err := amf.DecodeOne(body, amf.DefaultLimits)
	if err != nil {
		return nil
	}
	v, _, err := amf.DecodeOne(rest, amf.DefaultLimits)
	if err != nil {
		return nil
	}
	switch o := v.(type) {
	case amf.Object:
		return o
	case amf.ECMAArray:
		return amf.Object(o)
	}
	return nil
}
