package mp4

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// errRecord says a journal record is invalid: the journal is read up to
// it and no further.
var errRecord = errors.New("mp4: invalid journal record")

// journalReader reads a journal record by record. A torn last record (a
// crash mid-write) ends it like io.EOF.
type journalReader struct {
	r      *bufio.Reader
	head   journalHead
	tracks int
	buf    [sampleRecord]byte
}

func newJournalReader(r io.Reader) (*journalReader, error) {
	j := &journalReader{r: bufio.NewReaderSize(r, 64<<10)}
	var h [journalHeader]byte
	if _, err := io.ReadFull(j.r, h[:]); err != nil {
		return nil, errJournal
	}
	var err error
	j.head, err = parseHead(h[:])
	return j, err
}

// next returns the next record: a sample (isTrack false) or a track.
// It returns io.EOF at the end of the valid records.
func (j *journalReader) next() (s sampleRec, t trackRec, isTrack bool, err error) {
	if _, err = io.ReadFull(j.r, j.buf[:trackRecordHdr]); err != nil {
		return s, t, false, io.EOF
	}
	switch j.buf[0] {
	case recSample:
		if _, err = io.ReadFull(j.r, j.buf[trackRecordHdr:sampleRecord]); err != nil {
			return s, t, false, io.EOF
		}
		s = parseSample(j.buf[:])
		if int(s.track) >= j.tracks || s.dts < 0 {
			return s, t, false, fmt.Errorf("%w: sample of track %d, dts %d", errRecord, s.track, s.dts)
		}
		return s, t, false, nil
	case recTrack:
		t, err = j.track()
		return s, t, true, err
	}
	return s, t, false, fmt.Errorf("%w: type %#x", errRecord, j.buf[0])
}

func (j *journalReader) track() (trackRec, error) {
	t := trackRec{track: j.buf[1], typ: j.buf[2]}
	n := binary.BigEndian.Uint32(j.buf[4:])
	if int(t.track) != j.tracks || j.tracks >= maxTracks || t.typ != 8 && t.typ != 9 || n > maxTrackBody {
		return t, fmt.Errorf("%w: track %d of type %d, %d bytes", errRecord, t.track, t.typ, n)
	}
	t.body = make([]byte, n)
	if _, err := io.ReadFull(j.r, t.body); err != nil {
		return t, io.EOF
	}
	j.tracks++
	return t, nil
}
