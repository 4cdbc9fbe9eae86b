// Package tscheck strictly checks MPEG-TS (ISO/IEC 13818-1) as HLS
// segments carry it: one program, H.264/HEVC video and AAC/MP3/Opus audio.
// It shares no code with rtmprecd's TS writer, so tests of that writer
// (and the benchmark) can trust what it reports: every packet, table,
// continuity counter, adaptation field, PES header, timestamp, PCR and
// elementary-stream framing is checked, and the access units are listed
// so a test can compare them with its source.
//
// The checker reads segment by segment (a long recording need not be held
// in memory) and stops at the first violation, which an *Error places by
// segment, byte offset and packet number.
package tscheck

import (
	"fmt"
	"os"
	"slices"
)

// PacketSize is the size of every transport stream packet.
const PacketSize = 188

// Options say what the caller knows about the segments.
type Options struct {
	// Discontinuities lists the segments (0-based) where a new writer may
	// start: continuity counters, timestamps, PCR and the program tables
	// may restart there (an HLS #EXT-X-DISCONTINUITY).
	Discontinuities []int
	// KeyFrameStart requires each segment's first video access unit to be
	// a key frame (H.264 IDR, HEVC IRAP) with its parameter sets before it
	// in the same access unit, so the segment decodes on its own.
	KeyFrameStart bool
}

// Check checks segments, the files of one recording in order, as one
// writer's output. The report covers what was read up to the first error.
func Check(segments [][]byte, opt Options) (Report, error) {
	c := NewChecker(opt.KeyFrameStart)
	for i, s := range segments {
		if err := c.Segment(s, slices.Contains(opt.Discontinuities, i)); err != nil {
			return c.Report(), err
		}
	}
	return c.Report(), nil
}

// Error is a violation, placed in the input.
type Error struct {
	// Segment is the segment's index; Offset the byte offset in it of the
	// packet where the violation was found (for a PES, of its first
	// packet); Packet that packet's number counted over all segments.
	Segment int
	Offset  int64
	Packet  int
	// PID is the packet's PID, -1 when the violation is not one PID's.
	PID int
	// Msg says what is wrong.
	Msg string
}

func (e *Error) Error() string {
	pid := ""
	if e.PID >= 0 {
		pid = fmt.Sprintf(" PID 0x%x", e.PID)
	}
	return fmt.Sprintf("tscheck: segment %d packet %d (offset %d)%s: %s", e.Segment, e.Packet, e.Offset, pid, e.Msg)
}

// pos is where a packet lies in the input.
type pos struct {
	seg    int
	off    int64
	packet int
}

func (p pos) errorf(pid int, format string, args ...any) error {
	return &Error{Segment: p.seg, Offset: p.off, Packet: p.packet, PID: pid, Msg: fmt.Sprintf(format, args...)}
}

// fmtErr is an error whose text the caller places with pos.errorf.
func fmtErr(format string, args ...any) error { return fmt.Errorf(format, args...) }

// SegmentFile is one segment file of a recording, and whether a
// discontinuity comes before it.
type SegmentFile struct {
	Path          string
	Discontinuity bool
}

// CheckFiles checks a recording's segment files in order as one
// writer's output, reading one file at a time; an error names the file.
func CheckFiles(files []SegmentFile, keyFrameStart bool) (Report, error) {
	c := NewChecker(keyFrameStart)
	for _, f := range files {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			return c.Report(), err
		}
		if err := c.Segment(b, f.Discontinuity); err != nil {
			return c.Report(), fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	return c.Report(), nil
}
