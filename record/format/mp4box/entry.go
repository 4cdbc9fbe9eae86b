package mp4box

import (
	"encoding/binary"

	gomp4 "github.com/abema/go-mp4"

	"github.com/rtmprecd/rtmprecd/media"
)

// visual writes a visual sample entry of type typ with the configuration
// box cfgType holding cfg verbatim.
func (m *Track) visual(typ, cfgType string, cfg []byte) {
	m.entry = func(b *builder) {
		var name [32]byte
		b.start(typ)
		b.payload(&gomp4.VisualSampleEntry{
			SampleEntry: gomp4.SampleEntry{AnyTypeBox: gomp4.AnyTypeBox{Type: gomp4.StrToBoxType(typ)},
				DataReferenceIndex: 1},
			Width: uint16(m.Width), Height: uint16(m.Height),
			Horizresolution: 72 << 16, Vertresolution: 72 << 16, FrameCount: 1,
			Compressorname: name, Depth: 0x18, PreDefined3: -1,
		})
		b.raw(cfgType, cfg)
		b.end()
	}
}

func (m *Track) mapAVC(t *media.Track) error {
	if t.AVC == nil {
		return errNoConfig
	}
	m.visual("avc1", "avcC", t.Config)
	return nil
}

func (m *Track) mapHEVC(t *media.Track) error {
	if t.HEVC == nil {
		return errNoConfig
	}
	m.visual("hvc1", "hvcC", t.Config)
	return nil
}

func (m *Track) mapAV1(t *media.Track) error {
	if t.AV1 == nil {
		return errNoConfig
	}
	m.visual("av01", "av1C", t.Config)
	return nil
}

// mapVP9 writes vpcC as a version 1 FullBox around the record, which
// Enhanced RTMP publishers send with or without that prefix.
func (m *Track) mapVP9(t *media.Track) error {
	if t.VP9 == nil {
		return errNoConfig
	}
	rec := t.Config
	if len(rec) >= 12 && rec[0] == 1 && rec[1] == 0 && rec[2] == 0 && rec[3] == 0 {
		rec = rec[4:]
	}
	cfg := append([]byte{1, 0, 0, 0}, rec...)
	m.visual("vp09", "vpcC", cfg)
	return nil
}

// audio writes an audio sample entry of type typ; child writes its
// configuration box.
func (m *Track) audio(typ string, rate, channels int, child func(b *builder)) {
	if rate > 65535 || rate <= 0 {
		rate = 0 // the 16.16 field cannot hold it; the configuration box says it
	}
	m.entry = func(b *builder) {
		b.start(typ)
		b.payload(&gomp4.AudioSampleEntry{
			SampleEntry: gomp4.SampleEntry{AnyTypeBox: gomp4.AnyTypeBox{Type: gomp4.StrToBoxType(typ)},
				DataReferenceIndex: 1},
			ChannelCount: uint16(max(channels, 1)), SampleSize: 16, SampleRate: uint32(rate) << 16,
		})
		child(b)
		b.end()
	}
}

func (m *Track) mapAAC(t *media.Track) error {
	if t.AAC == nil {
		return errNoConfig
	}
	m.audio("mp4a", t.SampleRate, t.Channels, func(b *builder) { b.raw("esds", esds(0x40, t.Config)) })
	return nil
}

// mapMP3 uses the MPEG-1 or MPEG-2 audio object type, without decoder
// specific info.
func (m *Track) mapMP3(t *media.Track) error {
	if t.MP3 == nil {
		return errNoConfig
	}
	oti := byte(0x6b)
	if t.MP3.MPEG2 {
		oti = 0x69
	}
	m.audio("mp4a", t.SampleRate, t.Channels, func(b *builder) { b.raw("esds", esds(oti, nil)) })
	return nil
}

// mapOpus turns the Ogg Opus ID header (little endian) into dOps (big
// endian, ISO/IEC 23003-5 style "Opus in ISOBMFF").
func (m *Track) mapOpus(t *media.Track) error {
	o := t.Opus
	if o == nil {
		return errNoConfig
	}
	d := &gomp4.DOps{OutputChannelCount: uint8(o.Channels), PreSkip: uint16(o.PreSkip),
		InputSampleRate: uint32(o.InputSampleRate), OutputGain: o.OutputGain, ChannelMappingFamily: o.MappingFamily}
	if o.MappingFamily != 0 {
		c := t.Config
		if len(c) < 21+o.Channels {
			return errNoConfig
		}
		d.StreamCount, d.CoupledCount = c[19], c[20]
		d.ChannelMapping = append([]byte(nil), c[21:21+o.Channels]...)
	}
	m.audio("Opus", 48000, o.Channels, func(b *builder) { b.box(d) })
	return nil
}

func (m *Track) mapAC3(t *media.Track) error {
	c := t.AC3
	if c == nil {
		return errNoConfig
	}
	d := &gomp4.Dac3{Fscod: c.Fscod, Bsid: c.Bsid, Bsmod: c.Bsmod, Acmod: c.Acmod, BitRateCode: c.BitRateCode}
	if c.LFE {
		d.LfeOn = 1
	}
	m.audio("ac-3", t.SampleRate, t.Channels, func(b *builder) { b.box(d) })
	return nil
}

func (m *Track) mapEAC3(t *media.Track) error {
	c := t.EAC3
	if c == nil {
		return errNoConfig
	}
	sub := gomp4.Dec3IndSub{Fscod: c.Fscod, Bsid: c.Bsid, Acmod: c.Acmod}
	if c.LFE {
		sub.LfeOn = 1
	}
	d := &gomp4.Dec3{NumIndSub: 0, IndSubs: []gomp4.Dec3IndSub{sub}}
	m.audio("ec-3", t.SampleRate, t.Channels, func(b *builder) { b.box(d) })
	return nil
}

// mapFLAC writes dfLa with the STREAMINFO block marked last.
func (m *Track) mapFLAC(t *media.Track) error {
	c := t.Config
	if len(c) >= 4 && string(c[:4]) == "fLaC" {
		c = c[4:]
	}
	if t.FLAC == nil || len(c) < 38 {
		return errNoConfig
	}
	blocks := append([]byte{0x80}, c[1:38]...)
	m.audio("fLaC", t.SampleRate, t.Channels, func(b *builder) { b.box(&gomp4.DfLa{Blocks: blocks}) })
	return nil
}

// esds builds an ES_Descriptor with a DecoderConfigDescriptor of object
// type oti and, when dsi is set, its DecoderSpecificInfo (the
// AudioSpecificConfig), and an SLConfigDescriptor (ISO/IEC 14496-1).
func esds(oti byte, dsi []byte) []byte {
	dcd := []byte{oti, 0x15, 0, 0, 0} // audio stream; buffer size 0
	dcd = binary.BigEndian.AppendUint32(dcd, 0)
	dcd = binary.BigEndian.AppendUint32(dcd, 0)
	if dsi != nil {
		dcd = descriptor(dcd, 0x05, dsi)
	}
	es := []byte{0, 1, 0} // ES_ID 1, no flags
	es = descriptor(es, 0x04, dcd)
	es = descriptor(es, 0x06, []byte{0x02})
	out := []byte{0, 0, 0, 0} // FullBox version and flags
	return descriptor(out, 0x03, es)
}

// descriptor appends a tagged descriptor with a four-byte size field.
func descriptor(dst []byte, tag byte, body []byte) []byte {
	n := len(body)
	dst = append(dst, tag, byte(n>>21)|0x80, byte(n>>14)|0x80, byte(n>>7)|0x80, byte(n&0x7f))
	return append(dst, body...)
}
