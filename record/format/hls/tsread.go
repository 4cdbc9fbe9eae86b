package hls

import (
	"github.com/rtmprecd/rtmprecd/record/format/tsread"
	"io"
)

// Repair's reading of MPEG-TS segments: where each PES packet starts and
// ends and its PTS/DTS, read with the demultiplexer the export uses
// (record/format/tsread), which shares no code with the packetizer
// (tspes.go): a torn file is input we did not just write, and a reader
// that mirrored the writer would share its mistakes.

// tsPES is one PES packet of a segment.
type tsPES struct {
	pid        uint16
	sid        byte  // PES stream_id: 0xe0-0xef video, 0xc0-0xdf audio, 0xbd private (Opus)
	start, end int64 // offset of its first transport packet; end of its last
	ts         int64 // its DTS, or PTS without one (90 kHz); -1 none
	complete   bool  // the next PES of its PID starts, or length bytes came
}

func (p *tsPES) video() bool { return p.sid&0xf0 == 0xe0 }

// audio: an MPEG audio stream, or private_stream_1, which carries Opus
// (and AC-3) in MPEG-TS.
func (p *tsPES) audio() bool { return p.sid&0xe0 == 0xc0 || p.sid == 0xbd }

// tsScan is what readTS found: the PES packets in the order they start,
// and where the whole, well-formed transport packets end.
type tsScan struct {
	pes   []tsPES
	whole int64
	open  map[uint16]*openPES // PID -> its PES being read
}

// openPES is the last PES packet of a PID while it is read.
type openPES struct {
	i    int // in tsScan.pes
	unit tsread.Unit
}

// maxTSPES bounds the PES packets read from one segment (a 6 s segment
// holds a few hundred), so a hostile file cannot make repair hoard
// memory: what follows is read as a torn tail.
const maxTSPES = 1 << 17

// readTS reads the transport packets of r (size bytes) up to the first
// packet that is cut short, lost its sync byte or has the reserved
// adaptation_field_control: the crash's tail. Only a failed read is an
// error.
func readTS(r io.ReaderAt, size int64) (*tsScan, error) {
	s := &tsScan{open: map[uint16]*openPES{}}
	pr := tsread.NewReader(r, size)
	pr.EndAtReserved()
	for {
		pk, off, ok, err := pr.Next()
		if err != nil {
			return nil, err
		}
		if !ok || len(s.pes) == maxTSPES {
			return s, nil
		}
		s.packet(pk, off)
		s.whole = off + tsread.PacketSize
	}
}

// packet follows the PES packets through the packet at off.
func (s *tsScan) packet(pk tsread.Packet, off int64) {
	o := s.open[pk.PID]
	switch {
	case pk.Start && tsread.StartsPES(pk.Payload):
		if o != nil {
			s.pes[o.i].complete = true
		} else {
			o = &openPES{}
			s.open[pk.PID] = o
		}
		ts := int64(-1)
		if _, dts, ok := tsread.Times(pk.Payload); ok {
			ts = dts
		}
		o.i = len(s.pes)
		s.pes = append(s.pes, tsPES{pid: pk.PID, sid: pk.Payload[3], start: off, ts: ts})
		o.unit.Begin(pk, off, false)
	case pk.Start:
		delete(s.open, pk.PID) // a table section on this PID: not a PES stream
		return
	case o == nil:
		return
	default:
		_ = o.unit.Add(pk, off) // bytes not kept: never over MaxPES
	}
	p := &s.pes[o.i]
	p.end = o.unit.End
	if o.unit.Whole() {
		p.complete = true
		delete(s.open, pk.PID)
	}
}
