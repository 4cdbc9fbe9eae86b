package tscheck

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// valid is two 10-frame segments of one writer, in the second the
// times going on.
func valid() [][]byte {
	b := newBuilder()
	return [][]byte{b.segment(spec{frames: gop(9000, 10)}), b.segment(spec{frames: gop(9000+36000, 10)})}
}

// TestValid: the hand-made stream passes, and the report lists its
// tracks, units, key frames and times.
func TestValid(t *testing.T) {
	rep, err := Check(valid(), Options{KeyFrameStart: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Segments != 2 || rep.Program != 1 || rep.PMTPID != tPMT || rep.PCRPID != tVideo || rep.PCRs != 20 || len(rep.Tracks) != 2 {
		t.Fatalf("report %+v", summary(rep))
	}
	v, a := rep.Tracks[0], rep.Tracks[1]
	if v.Codec != "H264" || v.PID != tVideo || v.PES != 20 || v.KeyFrames != 2 || len(v.Units) != 20 {
		t.Fatalf("video %+v", summary(rep).Tracks[0])
	}
	if a.Codec != "AAC" || a.PES != 20 || len(a.Units) != 20 || a.Units[0].Size != 10 {
		t.Fatalf("audio %+v", summary(rep).Tracks[1])
	}
	first, last, _ := v.FirstLast()
	if first.DTS != 9000 || first.PTS != 12600 || !first.Key || last.DTS != 9000+36000+9*3600 || last.Segment != 1 {
		t.Fatalf("video first %+v last %+v", first, last)
	}
	// AUD left out; SPS (4) + PPS (4) + IDR (3 + 300) counted.
	if first.Size != 4+4+303 || v.Units[1].Size != 303 {
		t.Fatalf("video sizes %d and %d", first.Size, v.Units[1].Size)
	}
}

// TestBroken: streams that break one rule each are refused, with the
// place and the rule in the error.
func TestBroken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		segs  func() [][]byte
		opt   Options
		want  string
		where Error // Segment, Packet, PID of the error; Packet -1: not checked
	}{
		{"sync byte", mutate(0, 2*PacketSize, 0x46), Options{}, "sync byte 0x46", Error{Packet: 2, PID: -1}},
		{"transport error", flip(0, 2*PacketSize+1, 0x80), Options{}, "transport_error_indicator", Error{Packet: 2, PID: tVideo}},
		{"torn packet", func() [][]byte { s := valid(); s[1] = s[1][:len(s[1])-100]; return s }, Options{}, "torn packet: 88 bytes", Error{Segment: 1, Packet: -1, PID: -1}},
		{"missing PAT", func() [][]byte { s := valid(); s[1] = s[1][PacketSize:]; return s }, Options{}, "packet before the segment's PAT", Error{Segment: 1, Packet: -1, PID: tPMT}},
		{"missing PMT", func() [][]byte { s := valid(); s[1] = slices.Delete(s[1], PacketSize, 2*PacketSize); return s }, Options{}, "elementary stream packet before the segment's PMT", Error{Segment: 1, Packet: -1, PID: tVideo}},
		{"bad PMT CRC", flip(0, PacketSize+30, 0x01), Options{}, "CRC_32", Error{Packet: 1, PID: tPMT}},
		{"bad PAT CRC", flip(1, 20, 0x01), Options{}, "CRC_32", Error{Segment: 1, Packet: -1, PID: 0}},
		{"wrong CC", func() [][]byte { s := valid(); s[0][3*PacketSize+3] ^= 0x02; return s }, Options{}, "continuity counter", Error{Packet: 3, PID: tVideo}},
		{"CC reset across segments", twoWriters, Options{}, "continuity counter 0, want", Error{Segment: 1, Packet: -1, PID: 0}},
		{"stuffing not 0xff", build(spec{frames: gop(9000, 2), stuff: 0xfe}), Options{}, "stuffing byte", Error{PID: tVideo, Packet: -1}},
		{"PES length", pesChange(1, func(p []byte) { p[5]++ }), Options{}, "PES_packet_length", Error{PID: tAudio, Packet: -1}},
		{"PTS marker", pesChange(0, func(p []byte) { p[13] &^= 1 }), Options{}, "PTS: marker bit 0", Error{PID: tVideo, Packet: 2}},
		{"DTS prefix", pesChange(0, func(p []byte) { p[14] = p[14]&0x0f | 0x20 }), Options{}, "DTS: prefix 0010, want 0001", Error{PID: tVideo, Packet: 2}},
		{"no PTS", pesChange(1, func(p []byte) { p[7] = 0 }), Options{}, "PES without a PTS", Error{PID: tAudio, Packet: -1}},
		{"no start code", pesChange(1, func(p []byte) { p[0] = 1 }), Options{}, "no PES start code", Error{PID: tAudio, Packet: -1}},
		{"DTS after PTS", build(spec{frames: []frame{{video: true, key: true, pts: 9000, dts: 12600}}}), Options{}, "DTS 12600 after PTS 9000", Error{PID: tVideo, Packet: 2}},
		{"DTS back", build(spec{frames: []frame{{pts: 9000, dts: 9000}, {pts: 8000, dts: 8000}}}), Options{}, "DTS 8000 goes back from 9000", Error{PID: tAudio, Packet: 3}},
		{"PCR ahead", build(spec{frames: gop(9000, 2), pcrLead: 1}), Options{}, "PCR base 9001 ahead of this PES's DTS 9000", Error{PID: tVideo, Packet: 2}},
		{"no PCR", build(spec{frames: gop(9000, 2), noPCR: true}), Options{}, "PES on the PCR_PID before the segment's first PCR", Error{PID: tVideo, Packet: 2}},
		{"not Annex B", pesChange(0, func(p []byte) { p[21] = 2 }), Options{}, "does not start with an Annex B start code", Error{PID: tVideo, Packet: 2}},
		{"AUD not first", pesChange(2, func(p []byte) { p[28] = 0x09 }), Options{}, "access unit delimiter as NAL unit 1", Error{PID: tVideo, Packet: -1}},
		{"ADTS length", pesChange(1, func(p []byte) { p[18]++ }), Options{}, "ADTS frame_length", Error{PID: tAudio, Packet: -1}},
		{"ADTS sync", pesChange(1, func(p []byte) { p[14] = 0 }), Options{}, "no ADTS sync word", Error{PID: tAudio, Packet: -1}},
		{"segment starts without a key frame", build(spec{frames: gop(9000, 3)[2:]}), Options{KeyFrameStart: true}, "not a key frame with its parameter sets", Error{PID: tVideo, Packet: -1}},
		{"key frame without parameter sets", pesChange(0, func(p []byte) { p[29] = 0x61 }), Options{KeyFrameStart: true}, "not a key frame with its parameter sets", Error{PID: tVideo, Packet: 2}},
		{"PID not in the PMT", pmtChange(func(b []byte) []byte { return b[:9] }), Options{}, "PID the PMT does not list", Error{PID: tAudio, Packet: -1}},
		{"PCR_PID not a stream", pmtChange(func(b []byte) []byte { b[1] = 0x02; return b }), Options{}, "PCR_PID 0x102", Error{PID: tPMT, Packet: 1}},
		{"unknown stream type", pmtChange(func(b []byte) []byte { b[9] = 0x86; return b }), Options{}, "stream type 0x86", Error{PID: tPMT, Packet: 1}},
		{"PMT moves the PCR, same version", pcrMoves(0), Options{}, "keeping version_number 0", Error{Segment: 1, PID: tPMT, Packet: -1}},
		{"empty segment", func() [][]byte { return [][]byte{valid()[0], nil} }, Options{}, "empty segment", Error{Segment: 1, Packet: -1, PID: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			segs := tc.segs()
			_, err := Check(segs, tc.opt)
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if e.Segment != tc.where.Segment || e.PID != tc.where.PID || tc.where.Packet >= 0 && e.Packet != tc.where.Packet || e.Offset != int64(e.Packet-packetsBefore(segs, e.Segment))*PacketSize && !strings.Contains(e.Msg, "torn") && !strings.Contains(e.Msg, "empty") {
				t.Fatalf("error at %+v, want %+v", *e, tc.where)
			}
		})
	}
}

func packetsBefore(segs [][]byte, i int) int {
	n := 0
	for _, s := range segs[:i] {
		n += len(s) / PacketSize
	}
	return n
}

func mutate(seg, off int, v byte) func() [][]byte {
	return func() [][]byte { s := valid(); s[seg][off] = v; return s }
}

func flip(seg, off int, v byte) func() [][]byte {
	return func() [][]byte { s := valid(); s[seg][off] ^= v; return s }
}

func build(sp spec) func() [][]byte {
	return func() [][]byte { return [][]byte{newBuilder().segment(sp)} }
}

// pesChange changes frame i's PES of a one-segment, two-frame-pair stream.
func pesChange(i int, change func([]byte)) func() [][]byte {
	return build(spec{frames: gop(9000, 2), pes: func(j int, p []byte) []byte {
		if j == i {
			change(p)
		}
		return p
	}})
}

func pmtChange(change func([]byte) []byte) func() [][]byte {
	return build(spec{frames: gop(9000, 2), pmt: change})
}

// twoWriters is two segments from two writers: counters restart.
func twoWriters() [][]byte {
	return [][]byte{newBuilder().segment(spec{frames: gop(9000, 2)}), newBuilder().segment(spec{frames: gop(9000, 2)})}
}

// pcrMoves is two segments of one writer, the second's PMT moving the
// PCR to the audio PID with the given version_number.
func pcrMoves(version byte) func() [][]byte {
	return func() [][]byte {
		b := newBuilder()
		moved := spec{frames: gop(9000+36000, 2), pcrPID: tAudio, version: version, pmt: func(p []byte) []byte { p[1] = tAudio & 0xff; return p }}
		return [][]byte{b.segment(spec{frames: gop(9000, 10)}), b.segment(moved)}
	}
}

// TestPMTVersion: a PMT with a new version_number may move the PCR_PID
// (mediacommon's writer does at its start); the report counts it.
func TestPMTVersion(t *testing.T) {
	rep, err := Check(pcrMoves(1)(), Options{KeyFrameStart: true})
	if err != nil || rep.PMTChanges != 1 || rep.PCRPID != tAudio {
		t.Fatalf("%+v, %v; want one PMT change, the PCR on the audio PID", summary(rep), err)
	}
}

// TestDiscontinuity: where the caller says a new writer starts,
// counters, timestamps and the PCR may restart.
func TestDiscontinuity(t *testing.T) {
	rep, err := Check(twoWriters(), Options{Discontinuities: []int{1}, KeyFrameStart: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tracks) != 2 || len(rep.Tracks[0].Units) != 4 || rep.Tracks[0].Units[2].DTS != 9000 {
		t.Fatalf("report %+v", rep)
	}
}
