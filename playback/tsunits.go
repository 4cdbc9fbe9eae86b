package playback

import (
	"bytes"
	"slices"

	"github.com/rtmprecd/rtmprecd/record/format/tsread"
)

// The samples of one PES packet of each codec, and the rule for where
// the recording's parameters change.

// unit turns the gathered PES packet of stream i into samples.
func (r *tsReader) unit(p *tsPayload, i int, changeAt func(int64)) {
	o := &r.units[i]
	h, ok := tsread.ParsePES(o.Data)
	if !ok {
		return
	}
	es, ok := h.Payload(o.Data)
	if !ok {
		return // torn: the segment's end
	}
	codec := r.prog.Video
	if i == 1 {
		codec = r.prog.Audio
	}
	dts := r.unwrap(h.DTS)
	cts := (h.PTS - h.DTS) & (1<<33 - 1)
	if cts >= 1<<32 {
		cts -= 1 << 33
	}
	s := Sample{Video: i == 0, Key: true, DTS: ms90(dts), CTS: int32(cts / 90), R: p, Off: unitOff(o.At, 0)}
	switch codec {
	case tsAVC, tsHEVC:
		r.videoUnit(codec, es, o, s, changeAt)
	case tsAAC:
		r.aacUnit(es, o.At, dts, s, changeAt)
	case tsMP3:
		r.mp3Unit(es, o.At, s, changeAt)
	case tsOpus:
		r.opusUnit(es, s)
	}
}

func (r *tsReader) add(s Sample, size int, at int64, changeAt func(int64)) {
	if size == 0 {
		return
	}
	if size > maxTSUnit {
		changeAt(at) // never a file with a frame left out
		return
	}
	s.Size = uint32(size)
	r.pending = append(r.pending, s)
}

func (r *tsReader) videoUnit(codec tsCodec, es []byte, o *tsread.Unit, s Sample, changeAt func(int64)) {
	var params videoParams
	var key bool
	r.conv, key = annexBToLength(codec, es, r.conv[:0], &params)
	s.Key = key || o.Random
	switch {
	case r.v == nil && !r.fixed && s.Key && len(params.sps) > 0:
		t, err := videoTrack(codec, &params)
		if err != nil {
			r.trackErr[0] = err
			return
		}
		r.v = t
		r.vp = params.clone()
	case r.v == nil:
		return // before the first key frame, or a track that came late: left out, as from fMP4 segments
	case !r.vp.contains(&params):
		changeAt(o.At)
		return
	}
	r.add(s, len(r.conv), o.At, changeAt)
}

func (r *tsReader) aacUnit(es []byte, at, dts int64, s Sample, changeAt func(int64)) {
	for k := 0; k < maxPESFrames; k++ {
		f, ok := nextADTS(es)
		if !ok {
			return
		}
		es = f.rest
		switch {
		case r.a == nil && !r.fixed:
			t, err := aacTrack(f.h)
			if err != nil {
				r.trackErr[1] = err
				return
			}
			r.a, r.aac = t, f.h
		case r.a == nil:
			return // a track that came late
		case f.h != r.aac:
			changeAt(at)
			return
		}
		s.DTS = ms90(dts + int64(k)*1024*90000/int64(f.h.sampleRate()))
		s.Off = unitOff(at, k)
		r.add(s, len(f.raw), at, changeAt)
	}
}

// mpegAudioBits are the bits of an MPEG audio frame header that its
// track depends on (version, layer, sample rate, mono); 0: not a header.
func mpegAudioBits(b []byte) uint32 {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return 0
	}
	mono := uint32(0)
	if b[3]>>6 == 3 {
		mono = 1
	}
	return 1<<31 | uint32(b[1]&0x1e)<<8 | uint32(b[2]&0x0c)<<1 | mono
}

func (r *tsReader) mp3Unit(es []byte, at int64, s Sample, changeAt func(int64)) {
	bits := mpegAudioBits(es)
	switch {
	case bits == 0:
		return
	case r.a == nil && !r.fixed:
		t, err := mp3Track(es)
		if err != nil {
			r.trackErr[1] = err
			return
		}
		r.a, r.mp3 = t, bits
	case r.a == nil:
		return
	case bits != r.mp3:
		changeAt(at)
		return
	}
	r.add(s, len(es), at, changeAt)
}

func (r *tsReader) opusUnit(es []byte, s Sample) {
	pk, ok := opusPacket(es)
	if !ok {
		return
	}
	if r.a == nil {
		if r.fixed {
			return
		}
		t, err := opusTrack(max(r.prog.OpusChannels, 1))
		if err != nil {
			r.trackErr[1] = err
			return
		}
		r.a = t
	}
	r.add(s, len(pk), 0, func(int64) {})
}

// clone copies the parameter sets out of a scan buffer.
func (p *videoParams) clone() videoParams {
	c := func(l [][]byte) [][]byte {
		out := make([][]byte, len(l))
		for i, b := range l {
			out[i] = bytes.Clone(b)
		}
		return out
	}
	return videoParams{vps: c(p.vps), sps: c(p.sps), pps: c(p.pps)}
}

// contains says whether every parameter set of o is one of p's: a key
// frame repeating the sets (or some of them) keeps the track.
func (p *videoParams) contains(o *videoParams) bool {
	in := func(l [][]byte, sets [][]byte) bool {
		for _, b := range sets {
			if !slices.ContainsFunc(l, func(x []byte) bool { return bytes.Equal(x, b) }) {
				return false
			}
		}
		return true
	}
	return in(p.vps, o.vps) && in(p.sps, o.sps) && in(p.pps, o.pps)
}
