package tscheck

// Report is what a checked stream holds.
type Report struct {
	// Segments and Packets count what was read (null packets included).
	Segments, Packets int
	// Program is the program number, PMTPID and PCRPID the PIDs of its
	// map and clock, from the last PAT and PMT read.
	Program        int
	PMTPID, PCRPID int
	// PCRs counts the program clock references read; PMTChanges the PMTs
	// with a new version_number (a moved PCR_PID) outside discontinuities.
	PCRs, PMTChanges int
	// Tracks are the elementary streams in the order the PMTs listed them
	// (a PID whose stream type changes at a discontinuity starts a new one).
	Tracks []Track
}

// Track is one elementary stream (one PID).
type Track struct {
	PID        int
	StreamType int
	// Codec is "H264", "H265", "AAC", "MPEG1Audio", "MPEG2Audio" or "Opus".
	Codec string
	// PES counts the PES packets; KeyFrames the access units that hold a
	// key frame (video only).
	PES, KeyFrames int
	// Units are the access units in stream order: one a PES for video,
	// MPEG audio and Opus, one an ADTS frame for AAC.
	Units []Unit
}

// Video reports whether the track is a video one.
func (t *Track) Video() bool { return t.Codec == "H264" || t.Codec == "H265" }

// Unit is one access unit. Timestamps are 90 kHz, unwrapped (they keep
// growing past 2^33), the values written in the stream otherwise; an
// ADTS frame after the first of its PES gets the PES's PTS plus the
// duration of the frames before it.
type Unit struct {
	PTS, DTS int64
	// Key is a video access unit holding a key frame.
	Key bool
	// Size is the elementary payload: the NAL units' bytes without start
	// codes (access unit delimiters left out, parameter sets counted), an
	// ADTS frame without its header, an MPEG audio or Opus PES payload.
	Size int
	// Segment is the index of the segment the unit's PES starts in.
	Segment int
}

// FirstLast returns the first and last units' PTS and DTS; ok is false
// for a track without units.
func (t *Track) FirstLast() (first, last Unit, ok bool) {
	if len(t.Units) == 0 {
		return first, last, false
	}
	return t.Units[0], t.Units[len(t.Units)-1], true
}
