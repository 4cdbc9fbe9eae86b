package playback

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts/substructs"

	"github.com/rtmprecd/rtmprecd/record/format/tsread"
)

// A sample of an MPEG-TS segment is not contiguous in the file (its
// bytes are spread over transport packets, after start codes or an ADTS
// header), so its Sample.R is a tsPayload of the segment that gathers
// and converts the access unit again when it is read: the index keeps
// no more per sample than any other source (where its first packet is,
// and its converted size, computed when the segment is scanned).
//
// A sample's Off in a tsPayload says where: the offset of the PES
// packet's first transport packet (high 32 bits), the frame inside the
// PES packet (ADTS frames: 4 bits), and the byte inside the converted
// access unit (28 bits). Samples are never contiguous in that space, so
// a run of them is never read in one ReadAt.
const (
	offFrameShift = 28
	offPESShift   = 32
	maxTSUnit     = 1<<offFrameShift - 1 // largest access unit exported
	maxPESFrames  = 16
	maxSegment    = 1<<31 - 1
)

func unitOff(pes int64, frame int) int64 { return pes<<offPESShift | int64(frame)<<offFrameShift }

// tsPayload reads the converted access units of one segment.
type tsPayload struct {
	seg   io.ReaderAt
	size  int64
	prog  tsread.Program
	cache *unitCache
}

// unitCache holds the last access unit converted, shared by the
// segments of a source: a player reading a large frame in pieces has it
// converted once.
type unitCache struct {
	mu    sync.Mutex
	owner *tsPayload
	off   int64 // unitOff of data
	data  []byte
	pes   []byte
	pr    tsread.Reader
}

// ReadAt reads the access unit that off falls in, from off.
func (p *tsPayload) ReadAt(b []byte, off int64) (int, error) {
	c := p.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	unit, d := off&^maxTSUnit, off&maxTSUnit
	if off < 0 {
		return 0, fmt.Errorf("%w: negative offset", errDamaged)
	}
	if c.owner != p || c.off != unit || c.data == nil {
		if err := c.load(p, unit); err != nil {
			c.owner = nil
			return 0, err
		}
	}
	if d >= int64(len(c.data)) {
		return 0, io.EOF
	}
	n := copy(b, c.data[d:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// load gathers and converts the access unit at unit.
func (c *unitCache) load(p *tsPayload, unit int64) error {
	at, frame := unit>>offPESShift, int(unit>>offFrameShift&(maxPESFrames-1))
	if !c.pr.Reads(p.seg) {
		c.pr.Reset(p.seg, p.size)
	}
	pes, pid, err := tsread.Gather(&c.pr, at, c.pes)
	if errors.Is(err, tsread.ErrDamaged) {
		return fmt.Errorf("%w: %w", errDamaged, err)
	}
	if err != nil {
		return err
	}
	c.pes = pes
	codec := p.prog.CodecOf(pid)
	h, ok := tsread.ParsePES(c.pes)
	es, ok2 := h.Payload(c.pes)
	if !ok || !ok2 {
		return fmt.Errorf("%w: PES packet at %d", errDamaged, at)
	}
	c.owner, c.off, c.data = p, unit, c.data[:0]
	switch {
	case codec.Video():
		c.data, _ = annexBToLength(codec, es, c.data, nil)
	case codec == tsAAC:
		for i := 0; ; i++ {
			f, ok := nextADTS(es)
			if !ok {
				return fmt.Errorf("%w: no ADTS frame %d at %d", errDamaged, frame, at)
			}
			if i == frame {
				c.data = append(c.data, f.raw...)
				break
			}
			es = f.rest
		}
	case codec == tsOpus:
		pk, ok := opusPacket(es)
		if !ok {
			return fmt.Errorf("%w: Opus access unit at %d", errDamaged, at)
		}
		c.data = append(c.data, pk...)
	case codec == tsMP3:
		c.data = append(c.data, es...)
	default:
		return fmt.Errorf("%w: no stream of ours at %d", errDamaged, at)
	}
	return nil
}

// NAL unit types: access unit delimiters and parameter sets are left
// out of the samples (the track's configuration has the sets).
func nalKind(codec tsCodec, n []byte) (aud, param, key bool) {
	if codec == tsAVC {
		t := n[0] & 0x1f
		return t == 9, t == 7 || t == 8, t == 5
	}
	t := n[0] >> 1 & 0x3f
	return t == 35, t >= 32 && t <= 34, t >= 16 && t <= 21
}

var startCode3 = []byte{0, 0, 1}

// annexBToLength appends the NAL units of an Annex B access unit to dst,
// each after its 4-byte length, leaving out delimiters and parameter
// sets; params (when not nil) gets the parameter sets. It also reports
// whether the unit holds a key picture (IDR, IRAP).
func annexBToLength(codec tsCodec, es []byte, dst []byte, params *videoParams) ([]byte, bool) {
	key := false
	i := bytes.Index(es, startCode3)
	for i >= 0 {
		es = es[i+3:]
		j := bytes.Index(es, startCode3)
		n := es
		if j >= 0 {
			n = es[:j]
		}
		n = bytes.TrimRight(n, "\x00") // trailing zeros, the 4-byte start code's first
		i = j
		if len(n) < 2 {
			continue
		}
		aud, param, k := nalKind(codec, n)
		key = key || k
		switch {
		case aud:
		case param:
			if params != nil {
				params.add(codec, n)
			}
		default:
			dst = append(dst, byte(len(n)>>24), byte(len(n)>>16), byte(len(n)>>8), byte(len(n)))
			dst = append(dst, n...)
		}
	}
	return dst, key
}

// add files a parameter set NAL unit.
func (p *videoParams) add(codec tsCodec, n []byte) {
	if codec == tsAVC {
		if n[0]&0x1f == 7 {
			p.sps = append(p.sps, n)
		} else {
			p.pps = append(p.pps, n)
		}
		return
	}
	switch n[0] >> 1 & 0x3f {
	case 32:
		p.vps = append(p.vps, n)
	case 33:
		p.sps = append(p.sps, n)
	default:
		p.pps = append(p.pps, n)
	}
}

// adtsHeader is what an ADTS header says of the stream's configuration.
type adtsHeader struct {
	objectType, rateIndex, channelConfig int
}

var adtsRates = [...]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

func (h adtsHeader) sampleRate() int { return adtsRates[h.rateIndex] }

func (h adtsHeader) channels() int {
	if h.channelConfig == 7 {
		return 8
	}
	return h.channelConfig
}

// adtsFrame is one ADTS frame of a PES payload.
type adtsFrame struct {
	h    adtsHeader
	raw  []byte // the raw AAC frame, without the header
	rest []byte // the frames after it
}

// nextADTS reads the ADTS frame at the start of b.
func nextADTS(b []byte) (adtsFrame, bool) {
	if len(b) < 7 || b[0] != 0xff || b[1]&0xf6 != 0xf0 {
		return adtsFrame{}, false
	}
	h := adtsHeader{objectType: int(b[2]>>6) + 1, rateIndex: int(b[2] >> 2 & 0x0f), channelConfig: int(b[2]&1)<<2 | int(b[3]>>6)}
	hlen := 7
	if b[1]&1 == 0 { // a CRC follows
		hlen = 9
	}
	n := int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5]>>5)
	if h.rateIndex >= len(adtsRates) || h.channelConfig == 0 || n < hlen || n > len(b) {
		return adtsFrame{}, false
	}
	return adtsFrame{h: h, raw: b[hlen:n], rest: b[n:]}, true
}

// opusPacket is the Opus packet of the first access unit of a PES
// payload (after its control header).
func opusPacket(es []byte) ([]byte, bool) {
	var au substructs.OpusAccessUnit
	if _, err := au.Unmarshal(es); err != nil || len(au.Packet) == 0 {
		return nil, false
	}
	return au.Packet, true
}
