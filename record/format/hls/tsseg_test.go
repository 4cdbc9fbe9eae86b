package hls

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"

	"github.com/rtmprecd/rtmprecd/internal/tscheck"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// tsRig writes FLV bodies through a tsSeg into memory, as the muxer
// does, and keeps what it sent to compare with what a reader gets back.
type tsRig struct {
	t     testing.TB
	p     media.Parser
	seg   *tsSeg
	buf   bytes.Buffer
	idx   map[*media.Track]int
	video []sentAU
	audio []sentAU
	cuts  []int // offsets in buf where segments began
}

// sentAU is an access unit as a reader should find it: pts and dts in
// 90 kHz, the NAL units (video) or the raw frame (audio).
type sentAU struct {
	pts, dts int64
	units    [][]byte
}

func newTSRig(t testing.TB) *tsRig {
	r := &tsRig{t: t, idx: map[*media.Track]int{}}
	r.seg = &tsSeg{out: newTSOut(&r.buf)}
	return r
}

func (r *tsRig) feed(typ uint8, ms int64, body []byte) {
	r.t.Helper()
	fr := r.p.Media(typ, ms, body)
	if len(fr.Units) == 0 {
		r.t.Fatalf("frame at %d did not classify: %v", ms, fr.Err)
	}
	u := &fr.Units[0]
	i, known := r.idx[u.Track]
	if !known {
		var err error
		if i, err = r.seg.addTrack(u.Track); err != nil {
			r.t.Fatal(err)
		}
		r.idx[u.Track] = i
	}
	cts, key, ok := mp4box.Sample(u, fr.Keyframe)
	if !ok {
		return
	}
	if err := r.seg.write(i, ms, cts, key, u); err != nil {
		r.t.Fatal(err)
	}
	dts := ms*90 + tsOffset
	switch u.Track.Kind {
	case media.KindVideo:
		units := lengthPrefixed(r.t, u.Data)
		if key {
			units = append([][]byte{sps, pps}, units...)
		}
		r.video = append(r.video, sentAU{pts: dts + int64(cts)*90, dts: dts, units: units})
	case media.KindAudio:
		r.audio = append(r.audio, sentAU{pts: dts, dts: dts, units: [][]byte{bytes.Clone(u.Data)}})
	}
}

func lengthPrefixed(t testing.TB, b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := int(binary.BigEndian.Uint32(b))
		out = append(out, bytes.Clone(b[4:4+n]))
		b = b[4+n:]
	}
	return out
}

// avcNALUs is an FLV AVC frame body with NAL units of the given sizes and
// a composition offset of cts ms.
func avcNALUs(key bool, cts int, sizes ...int) []byte {
	b := []byte{0x27, 0x01, byte(cts >> 16), byte(cts >> 8), byte(cts)}
	if key {
		b[0] = 0x17
	}
	for i, n := range sizes {
		b = binary.BigEndian.AppendUint32(b, uint32(n))
		typ := byte(0x41)
		if key && i == 0 {
			typ = 0x65
		}
		nalu := append([]byte{typ}, bytes.Repeat([]byte{byte(i + n)}, n-1)...)
		b = append(b, nalu...)
	}
	return b
}

// aacSized is an FLV AAC frame body with n bytes of raw frame.
func aacSized(n int) []byte {
	return append([]byte{0xAF, 0x01}, bytes.Repeat([]byte{byte(n)}, n)...)
}

// segments are the rig's output cut where segments began.
func (r *tsRig) segments() [][]byte {
	b := r.buf.Bytes()
	var out [][]byte
	from := 0
	for _, at := range r.cuts {
		out, from = append(out, b[from:at]), at
	}
	return append(out, b[from:])
}

// begin starts a new segment, as the muxer does.
func (r *tsRig) begin() {
	r.t.Helper()
	if err := r.seg.finish(0, 0); err != nil { // the segment's end
		r.t.Fatal(err)
	}
	r.cuts = append(r.cuts, r.buf.Len())
	if err := r.seg.begin(); err != nil {
		r.t.Fatal(err)
	}
}

// readBack checks the rig's output with the strict checker (every
// packet, table, counter, clock and header), then demuxes it with
// mediacommon's reader (astits underneath); neither shares code with our
// packetizer. Every access unit must be what was sent.
func (r *tsRig) readBack() error {
	if err := r.seg.finish(-1, 0); err != nil { // the recording's end
		return err
	}
	if _, err := tscheck.Check(r.segments(), tscheck.Options{KeyFrameStart: true}); err != nil {
		return err
	}
	rd := &mpegts.Reader{R: bytes.NewReader(r.buf.Bytes())}
	if err := rd.Initialize(); err != nil {
		return err
	}
	var decodeErr error
	rd.OnDecodeError(func(err error) { decodeErr = errors.Join(decodeErr, err) })
	var gotV, gotA []sentAU
	for _, tr := range rd.Tracks() {
		switch tr.Codec.(type) {
		case *mpegts.CodecH264:
			rd.OnDataH264(tr, func(pts, dts int64, au [][]byte) error {
				gotV = append(gotV, sentAU{pts: pts, dts: dts, units: au})
				return nil
			})
		case *mpegts.CodecMPEG4Audio:
			rd.OnDataMPEG4Audio(tr, func(pts int64, aus [][]byte) error {
				gotA = append(gotA, sentAU{pts: pts, dts: pts, units: aus})
				return nil
			})
		default:
			return fmt.Errorf("unexpected track %T", tr.Codec)
		}
	}
	for {
		err := rd.Read()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if decodeErr != nil {
		return decodeErr
	}
	return errors.Join(sameAUs("video", r.video, gotV), sameAUs("audio", r.audio, gotA))
}

func sameAUs(kind string, sent, got []sentAU) error {
	if len(sent) != len(got) {
		return fmt.Errorf("%s: %d access units sent, %d read", kind, len(sent), len(got))
	}
	for i := range sent {
		s, g := sent[i], got[i]
		if s.pts != g.pts || s.dts != g.dts {
			return fmt.Errorf("%s %d: pts/dts %d/%d sent, %d/%d read", kind, i, s.pts, s.dts, g.pts, g.dts)
		}
		if len(s.units) != len(g.units) {
			return fmt.Errorf("%s %d: %d units sent, %d read", kind, i, len(s.units), len(g.units))
		}
		for j := range s.units {
			if !bytes.Equal(s.units[j], g.units[j]) {
				return fmt.Errorf("%s %d: unit %d differs (%d bytes sent, %d read)", kind, i, j, len(s.units[j]), len(g.units[j]))
			}
		}
	}
	return nil
}

// TestTSPacketizerEveryStuffingCase writes audio frames of every size
// from 1 to 600 bytes and video frames whose NAL units grow one byte at
// a time (every remainder of the last packet, one and two bytes of
// stuffing, a first packet exactly full, B-frame offsets), plus frames
// longer than a PES length can say, and reads each back exactly.
func TestTSPacketizerEveryStuffingCase(t *testing.T) {
	r := newTSRig(t)
	r.feed(9, 0, avcSeq())
	r.feed(8, 0, aacSeq)
	ms := int64(0)
	for n := 1; n <= 600; n++ {
		r.feed(8, ms, aacSized(n))
		key := n%100 == 1
		r.feed(9, ms, avcNALUs(key, 80*(n%3), n, 3+n%7))
		ms += 20
	}
	r.feed(9, ms, avcNALUs(true, 0, 70000, 5))
	r.feed(9, ms+40, avcNALUs(false, 0, 1<<17))
	if err := r.readBack(); err != nil {
		t.Fatal(err)
	}
	if len(r.video) != 602 || len(r.audio) != 600 {
		t.Fatalf("sent %d video, %d audio", len(r.video), len(r.audio))
	}
}

// TestTSPacketizerTablesEverySegment: each segment starts with the PAT
// and the PMT, and the program clock rides on the video PID.
func TestTSPacketizerTablesEverySegment(t *testing.T) {
	r := newTSRig(t)
	r.feed(8, 0, aacSeq) // audio first: video still carries the clock
	r.feed(9, 0, avcSeq())
	r.feed(8, 0, aacSized(10))
	r.feed(9, 0, avcNALUs(true, 0, 50))
	r.begin()
	r.feed(9, 40, avcNALUs(true, 0, 50))
	if err := r.seg.flush(); err != nil {
		t.Fatal(err)
	}
	b := r.buf.Bytes()
	for _, at := range []int{0, r.cuts[0]} {
		if pid := binary.BigEndian.Uint16(b[at+1:]) & 0x1fff; pid != 0 {
			t.Errorf("packet at %d: PID %d, want the PAT", at, pid)
		}
	}
	video := r.seg.tracks[r.idx[r.seg.tracks[r.seg.pcr].src]].src
	if video.Kind != media.KindVideo {
		t.Fatalf("the clock rides on a %v track", video.Kind)
	}
	if pid := r.seg.tracks[r.seg.pcr].pes.pid; pid != 256 {
		t.Errorf("video PID %d, want 256 (the PMT's PCR_PID: mediacommon names the first track)", pid)
	}
	if err := r.readBack(); err != nil {
		t.Fatal(err)
	}
}

// FuzzTSPacketizer writes frames whose sizes, offsets and key flags come
// from the input and reads them back exactly.
func FuzzTSPacketizer(f *testing.F) {
	f.Add([]byte{1, 2, 3, 200, 183, 184, 185, 0, 7})
	f.Add(bytes.Repeat([]byte{170, 171, 172}, 20))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 3 {
			return // no frame: nothing to read back
		}
		in = in[:min(len(in), 600)]
		r := newTSRig(t)
		r.feed(9, 0, avcSeq())
		r.feed(8, 0, aacSeq)
		for i := 0; i+2 < len(in); i += 3 {
			ms := int64(i) * 10
			r.feed(8, ms, aacSized(1+int(in[i])*7))
			r.feed(9, ms, avcNALUs(in[i+2]&1 == 1 || i == 0, int(in[i+2]>>1), 1+int(in[i+1])*9, 1+int(in[i+2])))
		}
		if err := r.readBack(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTSHoldsUntilProgramComplete: the program tables are fixed once
// there are a video and an audio track (a periodic flush does not fix them) (an MP3 track appears with its
// first frame, after video frames), or after a second of media: a track
// within that second is in the program with every frame, one after it
// is refused as late.
func TestTSHoldsUntilProgramComplete(t *testing.T) {
	r := newTSRig(t)
	r.feed(9, 0, avcSeq())
	for ms := int64(0); ms < 600; ms += 40 {
		r.feed(9, ms, avcNALUs(ms == 0, 0, 300))
	}
	if err := r.seg.flush(); err != nil { // the periodic flush: the program must still wait
		t.Fatal(err)
	}
	if r.buf.Len() != 0 || len(r.seg.out.buf) != 0 || r.seg.pending() == 0 {
		t.Fatalf("wrote %d+%d bytes before the program was complete (%d pending)", r.buf.Len(), len(r.seg.out.buf), r.seg.pending())
	}
	r.feed(8, 600, aacSeq)
	r.feed(8, 600, aacSized(100))
	if len(r.seg.held) != 0 || len(r.seg.out.buf) == 0 {
		t.Fatalf("%d samples still held once both tracks came", len(r.seg.held))
	}
	if err := r.readBack(); err != nil {
		t.Fatal(err)
	}

	late := newTSRig(t)
	late.feed(9, 0, avcSeq())
	for ms := int64(0); ms <= holdMS; ms += 40 {
		late.feed(9, ms, avcNALUs(ms == 0, 0, 300))
	}
	if late.seg.tables == nil {
		t.Fatalf("tables not fixed after %d ms of video", holdMS)
	}
	fr := late.p.Media(8, holdMS, aacSeq)
	if _, err := late.seg.addTrack(fr.Units[0].Track); !errors.Is(err, errLate) {
		t.Fatalf("audio after the hold: %v, want errLate", err)
	}
	if err := late.readBack(); err != nil {
		t.Fatal(err)
	}
}

// checkTS runs a recording's listed MPEG-TS segments through the strict
// checker, restarting only at discontinuities.
func checkTS(t *testing.T, dir string, p *Playlist) {
	t.Helper()
	var files []tscheck.SegmentFile
	for _, s := range p.Segments {
		files = append(files, tscheck.SegmentFile{Path: filepath.Join(dir, s.URI), Discontinuity: s.Discontinuity})
	}
	if _, err := tscheck.CheckFiles(files, true); err != nil {
		t.Fatal(err)
	}
}
