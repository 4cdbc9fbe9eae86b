package tscheck

import "slices"

// Checker checks one recording segment by segment.
type Checker struct {
	keyStart bool
	rep      Report
	seg      int // index of the segment being read
	pids     map[int]*pidState
	tracks   []*Track // every track, in the order they were listed
	pmtPID   int      // -1 before the first PAT
	prog     *program // the map in effect; nil before the first PMT
	// per segment
	havePAT, havePMT bool
	videoSeen        bool // the segment's first video unit was checked
	pcrSeen          bool // a PCR was read in this segment
}

// pidState is what the checker carries per PID.
type pidState struct {
	cc      int // last continuity counter, -1 none
	section []byte
	inPES   bool
	pes     []byte
	pesAt   pos
	pesPCR  int64 // the last PCR read before this PES started, -1 none
	track   *Track
	dts     int64 // last DTS, unwrapped; -1 none
	pcr     int64 // last PCR (27 MHz), unwrapped; -1 none
	pcrNew  bool  // pcr not yet compared with a DTS
}

// NewChecker returns a checker; keyFrameStart is Options.KeyFrameStart.
func NewChecker(keyFrameStart bool) *Checker {
	return &Checker{keyStart: keyFrameStart, pids: map[int]*pidState{}, pmtPID: -1}
}

// Report returns what was read so far.
func (c *Checker) Report() Report {
	r := c.rep
	r.Tracks = make([]Track, len(c.tracks))
	for i, t := range c.tracks {
		r.Tracks[i] = *t
		r.Tracks[i].Units = slices.Clip(t.Units)
	}
	return r
}

// Segment checks the next segment; discontinuity says a new writer may
// start with it. Each segment must start with the program tables and end
// on a PES boundary.
func (c *Checker) Segment(b []byte, discontinuity bool) error {
	c.seg = c.rep.Segments
	c.rep.Segments++
	c.havePAT, c.havePMT, c.videoSeen, c.pcrSeen = false, false, false, false
	if discontinuity {
		c.restart()
	}
	start := pos{seg: c.seg, packet: c.rep.Packets}
	if len(b) == 0 {
		return start.errorf(-1, "empty segment")
	}
	for off := 0; off < len(b); off += PacketSize {
		at := pos{seg: c.seg, off: int64(off), packet: c.rep.Packets}
		if len(b)-off < PacketSize {
			return at.errorf(-1, "torn packet: %d bytes at the segment's end", len(b)-off)
		}
		c.rep.Packets++
		if err := c.packet(b[off:off+PacketSize], at); err != nil {
			return err
		}
	}
	return c.endSegment(pos{seg: c.seg, off: int64(len(b)), packet: c.rep.Packets})
}

// restart forgets what a new writer may start afresh.
func (c *Checker) restart() {
	for _, st := range c.pids {
		st.cc, st.dts, st.pcr, st.pcrNew = -1, -1, -1, false
	}
	c.pmtPID, c.prog = -1, nil
}

// endSegment finishes the PES packets in progress: none may continue
// into the next segment, and no table may be cut.
func (c *Checker) endSegment(at pos) error {
	if !c.havePMT {
		return at.errorf(-1, "segment without a PAT and PMT")
	}
	for pid, st := range c.pids {
		if st.section != nil {
			return at.errorf(pid, "table section cut by the segment's end")
		}
	}
	for _, pid := range c.sortedPIDs() {
		st := c.pids[pid]
		if st.inPES {
			if err := c.finishPES(pid, st); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Checker) sortedPIDs() []int {
	pids := make([]int, 0, len(c.pids))
	for pid := range c.pids {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}

func (c *Checker) state(pid int) *pidState {
	st := c.pids[pid]
	if st == nil {
		st = &pidState{cc: -1, dts: -1, pcr: -1, pesPCR: -1}
		c.pids[pid] = st
	}
	return st
}
