package mp4

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Journal layout: a header, then records. A track record carries the FLV
// tag body that defined the track (its sequence start, or for codecs
// without one its first frame) so repair can map it again; a sample
// record is fixed size. Samples lie in the mdat in journal order, back to
// back, so their offsets are not stored.
const (
	journalMagic   = "RRECMP4J"
	journalHeader  = 8 + 8 + 8 + 8 // magic, room offset, room size, mdat offset
	sampleRecord   = 20
	trackRecordHdr = 8
	recSample      = 'S'
	recTrack       = 'T'
	maxTrackBody   = 1 << 20
	maxTracks      = 16
)

// errJournal says a journal is not one of ours or is damaged before its
// first record.
var errJournal = errors.New("mp4: not a recording journal")

// journalHead is the journal's header.
type journalHead struct {
	roomOff, roomSize, mdatOff int64
}

func (h journalHead) append(b []byte) []byte {
	b = append(b, journalMagic...)
	b = binary.BigEndian.AppendUint64(b, uint64(h.roomOff))
	b = binary.BigEndian.AppendUint64(b, uint64(h.roomSize))
	return binary.BigEndian.AppendUint64(b, uint64(h.mdatOff))
}

func parseHead(b []byte) (journalHead, error) {
	if len(b) < journalHeader || string(b[:8]) != journalMagic {
		return journalHead{}, errJournal
	}
	h := journalHead{int64(binary.BigEndian.Uint64(b[8:])), int64(binary.BigEndian.Uint64(b[16:])),
		int64(binary.BigEndian.Uint64(b[24:]))}
	if h.roomOff < 0 || h.roomSize < 0 || h.mdatOff < 0 || h.roomOff > 1<<20 || h.mdatOff != h.roomOff+h.roomSize {
		return journalHead{}, fmt.Errorf("%w: bad header", errJournal)
	}
	return h, nil
}

// sampleRec is one sample record.
type sampleRec struct {
	track uint8
	key   bool
	size  uint32
	dts   int64 // ms from the file start, never decreasing within a track
	cts   int32 // ms
}

func (s sampleRec) append(b []byte) []byte {
	var k byte
	if s.key {
		k = 1
	}
	b = append(b, recSample, s.track, k, 0)
	b = binary.BigEndian.AppendUint32(b, s.size)
	b = binary.BigEndian.AppendUint64(b, uint64(s.dts))
	return binary.BigEndian.AppendUint32(b, uint32(s.cts))
}

func parseSample(b []byte) sampleRec {
	return sampleRec{track: b[1], key: b[2]&1 == 1, size: binary.BigEndian.Uint32(b[4:]),
		dts: int64(binary.BigEndian.Uint64(b[8:])), cts: int32(binary.BigEndian.Uint32(b[16:]))}
}

// trackRec is a track record: the index, the FLV tag type and the body.
type trackRec struct {
	track uint8
	typ   uint8
	body  []byte
}

func (t trackRec) append(b []byte) []byte {
	b = append(b, recTrack, t.track, t.typ, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(t.body)))
	return append(b, t.body...)
}
