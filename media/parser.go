package media

import (
	"bytes"
	"sync/atomic"
)

// Parser turns one publish's messages into Frames and keeps its codec
// State. Media and Data must be called from one goroutine (the session's);
// State may be called from any. The zero Parser is ready, with the Empty
// state. In steady state (no new track, codec or parameters) Media
// allocates nothing: the Frame and its Units are reused, so they are valid
// only until the next call.
type Parser struct {
	state atomic.Pointer[State]
	frame Frame
	parts []Part
	units []Unit
}

// State returns the current codec state; never nil.
func (p *Parser) State() *State {
	if s := p.state.Load(); s != nil {
		return s
	}
	return Empty
}

// Reset starts from the Empty state (a new publish).
func (p *Parser) Reset() { p.state.Store(Empty) }

// SetMetadata keeps a copy of the publisher's onMetaData body.
func (p *Parser) SetMetadata(body []byte) {
	n := *p.State()
	n.Metadata = bytes.Clone(body)
	p.state.Store(&n)
}

// Data returns the Frame of a data message.
func (p *Parser) Data(ts int64, body []byte) *Frame {
	p.frame = Frame{Type: TypeData, Time: ts, Payload: body}
	return &p.frame
}

// Media classifies an audio or video message, updates the codec state and
// returns the message's Frame with one Unit per track.
func (p *Parser) Media(typ uint8, ts int64, body []byte) *Frame {
	f := &p.frame
	*f = Frame{Type: typ, Time: ts, Payload: body}
	h, parts, err := Classify(typ, body, p.parts[:0])
	p.parts = parts
	f.Keyframe = h.Key()
	if err != nil {
		f.Err = err
		return f
	}
	f.SeqHeader = h.Packet == PacketSeqStart
	cur := p.State()
	next := cur // a private copy once something changes
	units := p.units[:0]
	for i := range parts {
		pt := &parts[i]
		old := next.Track(h.Kind, pt.Track)
		t, param := update(old, &h, pt, ts, body)
		if t != old {
			if next == cur {
				next = cur.with(t)
			} else {
				next.set(t)
			}
		}
		u := Unit{Track: t, Packet: h.Packet, Param: param, DTS: ts, PTS: ts + int64(pt.CTS),
			Data: pt.Data, frameType: h.FrameType}
		u.Key = h.Key() || h.Kind == KindAudio && h.Packet == PacketFrame
		if !h.Multitrack {
			u.Tag = body
		}
		units = append(units, u)
	}
	if next != cur {
		p.state.Store(next)
	}
	p.units, f.Units = units, units
	return f
}

// set replaces or adds t in a State not yet published.
func (s *State) set(t *Track) {
	for i, o := range s.Tracks {
		if o.Kind == t.Kind && o.ID == t.ID {
			s.Tracks[i] = t
			return
		}
	}
	s.Tracks = append(s.Tracks, t)
}

// update returns the track after part pt of a message with header h, and
// for a sequence start what it did. old is the track before (nil if new).
func update(old *Track, h *Header, pt *Part, ts int64, body []byte) (*Track, Param) {
	if h.Packet == PacketSeqStart {
		return sequenceStart(old, h, pt, ts, body)
	}
	t := old
	if t == nil || !sameCodec(t, h, pt) {
		t = newTrack(h, pt)
	}
	if h.Packet == PacketFrame && needsDescribe(t) {
		n := *t
		if describe(&n, pt.Data, h.Key()) {
			return &n, ParamNone
		}
	}
	return t, ParamNone
}

// sequenceStart applies the parameter rule to a sequence start: the same
// parameters keep old (a resend), others make a new track.
func sequenceStart(old *Track, h *Header, pt *Part, ts int64, body []byte) (*Track, Param) {
	n := newTrack(h, pt)
	if h.Multitrack {
		u := Unit{Track: n, Packet: h.Packet, DTS: ts, PTS: ts, Data: pt.Data, frameType: h.FrameType}
		n.Header = AppendTag(nil, &u)
	} else {
		n.Header = bytes.Clone(body)
	}
	configure(n, n.Header[len(n.Header)-len(pt.Data):])
	switch {
	case old == nil || old.Header == nil:
		return n, ParamNew
	case old.SameParams(n):
		return old, ParamResend
	}
	return n, ParamChange
}

// sameCodec reports whether part pt continues track t's codec.
func sameCodec(t *Track, h *Header, pt *Part) bool {
	if t.ex != h.Ex || t.Codec != pt.Codec || t.FourCC != pt.FourCC {
		return false
	}
	if h.Ex {
		return true
	}
	if h.Kind == KindVideo {
		return t.LegacyID == pt.Flags&0x0f
	}
	// AAC's rate and type bits are fixed by the spec but not by every
	// encoder; the other codecs' mean what they say.
	return t.LegacyID == pt.Flags>>4 && (pt.Codec == CodecAAC || t.SoundFlags == pt.Flags)
}

// newTrack is a track with the codec of part pt and nothing else known.
func newTrack(h *Header, pt *Part) *Track {
	t := &Track{Kind: h.Kind, ID: pt.Track, Codec: pt.Codec, FourCC: pt.FourCC, ex: h.Ex}
	if h.Ex {
		return t
	}
	if h.Kind == KindVideo {
		t.LegacyID = pt.Flags & 0x0f
		return t
	}
	t.LegacyID = pt.Flags >> 4
	legacyAudioParams(t, pt.Flags)
	return t
}
