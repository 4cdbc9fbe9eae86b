package mp4

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// ErrNoJournal says a file has no journal: it was finished (or is not an
// MP4 recording of ours) and repair leaves it alone.
var ErrNoJournal = errors.New("mp4: no journal: the file is finished")

// Repair finishes the MP4 recording under s (the file at path) from its
// journal, as Close would have: the samples that lie whole in the file
// are indexed, a torn one is cut off, the moov goes into the room or
// after the mdat; then the journal is removed. Whoever calls it has made
// sure no live writer holds the file (recfile.Busy).
func Repair(s format.Sink, path string) (Finished, error) {
	jpath := JournalPath(path)
	jf, err := os.OpenFile(jpath, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, os.ErrNotExist) {
		return Finished{}, ErrNoJournal
	}
	if err != nil {
		return Finished{}, fmt.Errorf("open journal: %w", err)
	}
	defer jf.Close()
	jr, err := newJournalReader(jf)
	if err != nil {
		return Finished{}, fmt.Errorf("journal %s: %w", jpath, err)
	}
	size, err := s.Seek(0, io.SeekEnd)
	if err != nil {
		return Finished{}, err
	}
	if err := checkHead(s, jr.head, size); err != nil {
		return Finished{}, err
	}
	fn := &finisher{f: s, head: jr.head, fileSize: size,
		journal: func() (io.Reader, error) {
			if _, err := jf.Seek(0, io.SeekStart); err != nil {
				return nil, fmt.Errorf("rewind journal: %w", err)
			}
			return jf, nil
		},
		mapTrack: mapJournalled,
	}
	res, err := fn.run()
	if err == nil {
		err = s.Datasync()
	}
	if err != nil {
		return res, err
	}
	if err := os.Remove(jpath); err != nil {
		return res, fmt.Errorf("remove journal: %w", err)
	}
	return res, nil
}

// checkHead checks that the file starts as the journal says a file of
// ours does: ftyp, the room, the 64-bit mdat header.
func checkHead(r io.ReaderAt, h journalHead, size int64) error {
	var b [16]byte
	if size < h.mdatOff+mdatHeader {
		return fmt.Errorf("%w: the file is shorter than its head (%d bytes)", errJournal, size)
	}
	if _, err := r.ReadAt(b[:8], 0); err != nil || string(b[4:8]) != "ftyp" || int64(binary.BigEndian.Uint32(b[:4])) != h.roomOff {
		return fmt.Errorf("%w: the file does not start with the journal's ftyp", errJournal)
	}
	if _, err := r.ReadAt(b[:], h.mdatOff); err != nil || string(b[4:8]) != "mdat" || binary.BigEndian.Uint32(b[:4]) != 1 {
		return fmt.Errorf("%w: no mdat where the journal puts it", errJournal)
	}
	return nil
}

// mapJournalled maps a journalled track again from the FLV tag that
// defined it, as the muxer did.
func mapJournalled(i int, rec trackRec) (*mp4box.Track, error) {
	var p media.Parser
	f := p.Media(rec.typ, 0, rec.body)
	if f.Err != nil || len(f.Units) == 0 {
		return nil, fmt.Errorf("journalled track %d does not parse: %v", i, f.Err)
	}
	return mp4box.Map(f.Units[0].Track, uint32(i+1))
}
