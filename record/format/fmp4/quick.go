package fmp4

import (
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
)

// NeedsRepair tells cheaply, without reading the fragments, whether the
// fragmented MP4 file r of size bytes was left unfinished: it does not
// end with an mfra (its mfro trailer), and either its movie duration,
// written at close, is still 0 (append sets it back to 0 while it
// writes) or it has a video track (whose key frames close indexes in an
// mfra last: a crash during close, or an mfra a full disk refused). An
// error wraps ErrNotFragmented for a progressive MP4.
func NeedsRepair(r io.ReaderAt, size int64) (bool, error) {
	if hasMfro(r, size) {
		return false, nil
	}
	ft, err := readBox(r, 0, size)
	if err != nil || ft.typ != "ftyp" {
		return false, fmt.Errorf("%w: no ftyp", errDamaged)
	}
	mv, buf, err := readMoov(r, ft.end(), size)
	if err != nil {
		return false, err
	}
	s := &Scanned{}
	if err := s.movie(buf, int(mv.off)+8); err != nil {
		return false, err
	}
	if s.DurationMS == 0 {
		return true, nil
	}
	for _, t := range s.Tracks {
		if t.Kind == media.KindVideo {
			return true, nil
		}
	}
	return false, nil
}

// hasMfro reports whether the file ends with an mfro whose size points
// back at an mfra.
func hasMfro(r io.ReaderAt, size int64) bool {
	var b [16]byte
	if size < 16+8 {
		return false
	}
	if _, err := r.ReadAt(b[:], size-16); err != nil || be.Uint32(b[:4]) != 16 || string(b[4:8]) != "mfro" {
		return false
	}
	n := int64(be.Uint32(b[12:]))
	if n < 16+8 || n > size {
		return false
	}
	if _, err := r.ReadAt(b[:8], size-n); err != nil {
		return false
	}
	return string(b[4:8]) == "mfra" && int64(be.Uint32(b[:4])) == n
}
