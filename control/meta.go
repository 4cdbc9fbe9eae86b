package control

import (
	"fmt"

	"github.com/rtmprecd/rtmprecd/media"
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

// Profile names as nginx-rtmp's codec module spells them. Codec names
// come from media.Codec, which spells them the same way.
var (
	avcProfiles = map[byte]string{66: "Baseline", 77: "Main", 88: "Extended", 100: "High", 110: "High 10",
		122: "High 4:2:2", 144: "High 4:4:4", 244: "High 4:4:4"}
	aacProfiles = map[int]string{1: "Main", 2: "LC", 3: "SSR", 4: "LTP", 5: "SBR"}
)

// metaOf describes c's default tracks; nil before any codec is known.
func metaOf(c *media.State) *StatMeta {
	if c == nil {
		return nil
	}
	md := metadata(c.Metadata)
	m := &StatMeta{}
	if v := c.Video(); v != nil {
		m.Video = videoOf(v, md)
	}
	if a := c.Audio(); a != nil {
		m.Audio = audioOf(a, md)
	}
	if m.Video == nil && m.Audio == nil {
		return nil
	}
	return m
}

// codecName is the track's codec as /stat names it; an unknown Enhanced
// RTMP codec by its FourCC.
func codecName(t *media.Track) string {
	if n := t.Codec.String(); n != "" || t.FourCC == 0 {
		return n
	}
	return t.FourCC.String()
}

func videoOf(t *media.Track, md amf.Object) *StatVideo {
	v := &StatVideo{Codec: codecName(t)}
	w, _ := md.Number("width")
	h, _ := md.Number("height")
	v.Width, v.Height = int(w), int(h)
	if fr, ok := md.Number("framerate"); ok {
		v.FrameRate = fr
	} else {
		v.FrameRate, _ = md.Number("videoframerate")
	}
	// AVCDecoderConfigurationRecord: version, profile, compat, level.
	if c := t.Config; t.Codec == media.CodecAVC && len(c) >= 4 {
		v.Profile, v.Compat = avcProfiles[c[1]], int(c[2])
		v.Level = fmt.Sprintf("%d.%d", c[3]/10, c[3]%10)
	}
	return v
}

func audioOf(t *media.Track, md amf.Object) *StatAudio {
	a := &StatAudio{Codec: codecName(t)}
	if c := t.AAC; c != nil {
		a.Profile, a.SampleRate, a.Channels = aacProfiles[c.ObjectType], c.SampleRate, c.ChannelConfig
		return a
	}
	if t.FourCC != 0 && t.SampleRate > 0 { // Opus, FLAC, AC-3 ...: their configuration says
		a.SampleRate, a.Channels = t.SampleRate, t.Channels
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
