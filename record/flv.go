package record

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/rtmprecd/rtmprecd/rtmp"
)

// FLV layout constants.
const (
	flvHeaderLen  = 13 // "FLV", version, flags, header length (9), PreviousTagSize0
	flvTagHeader  = 11
	flvMaxData    = 1<<24 - 1
	flvFlagsAudio = 0x04
	flvFlagsVideo = 0x01
)

// flvWriter writes FLV tags to a file, one write(2) per tag from a reused
// buffer, so steady-state recording allocates nothing. Crash safety as
// nginx-rtmp: only the header's flags byte is rewritten, at close, so the
// file is valid up to its last complete tag at any moment.
//
// Buffering and fsync (record_fsync) belong in Write and Close.
type flvWriter struct {
	f     *os.File
	size  int64
	flags byte // what this file holds, fixed up in the header at close
	buf   []byte
}

// newFLVWriter starts writing at offset: 0 writes a new header, anything
// else is an append point after the last valid tag; flags are the track
// bits already in the file.
func newFLVWriter(f *os.File, offset int64, flags byte) (*flvWriter, error) {
	w := &flvWriter{f: f, size: offset, flags: flags}
	if offset == 0 {
		hdr := [flvHeaderLen]byte{'F', 'L', 'V', 1, flvFlagsAudio | flvFlagsVideo, 0, 0, 0, 9}
		if _, err := f.Write(hdr[:]); err != nil {
			return nil, fmt.Errorf("write flv header: %w", err)
		}
		w.size = flvHeaderLen
		return w, nil
	}
	if _, err := f.Seek(offset, 0); err != nil {
		return nil, fmt.Errorf("seek to append point: %w", err)
	}
	return w, nil
}

// Write writes one tag: header, payload and PreviousTagSize in a single
// write. A failed or short write is cut back so the file stays valid.
func (w *flvWriter) Write(s sample) error {
	if len(s.Payload) > flvMaxData {
		return fmt.Errorf("flv tag of %d bytes: too large", len(s.Payload))
	}
	if s.Time < 0 || s.Time > maxTS {
		return fmt.Errorf("flv timestamp %d out of range", s.Time)
	}
	n := len(s.Payload)
	ts := uint32(s.Time)
	b := append(w.buf[:0],
		s.Type, byte(n>>16), byte(n>>8), byte(n),
		byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24),
		0, 0, 0)
	b = append(b, s.Payload...)
	b = binary.BigEndian.AppendUint32(b, uint32(flvTagHeader+n))
	w.buf = b
	if _, err := w.f.Write(b); err != nil {
		w.cut()
		return fmt.Errorf("write %q: %w", w.f.Name(), err)
	}
	w.size += int64(len(b))
	if s.Type == rtmp.TypeVideo {
		w.flags |= flvFlagsVideo
	} else {
		w.flags |= flvFlagsAudio
	}
	return nil
}

// cut drops a partial tag after a failed write.
func (w *flvWriter) cut() {
	_ = w.f.Truncate(w.size)
	_, _ = w.f.Seek(w.size, 0)
}

// Size returns the file size so far.
func (w *flvWriter) Size() int64 { return w.size }

// Close writes the true track flags into the header and closes the file
// (which releases a record_lock lock).
func (w *flvWriter) Close() error {
	flags := [1]byte{w.flags}
	_, err := w.f.WriteAt(flags[:], 4)
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close %q: %w", w.f.Name(), err)
	}
	return nil
}
