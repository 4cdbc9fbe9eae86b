package flv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/record/format"
)

// The tail of an existing file, for record_append: whether it is intact,
// its largest timestamp, and whether bytes after the last whole tag are
// only a torn last tag (cut off) or damage (the file is refused).

// damageError refuses record_append onto an FLV file whose tags break off
// before its end other than at a torn last tag: cutting there would throw
// away the valid tags after the damage.
type damageError struct {
	at  int64 // offset of the first tag that does not validate
	why string
}

func (e *damageError) Error() string {
	return fmt.Sprintf("flv damaged at offset %d: %s", e.at, e.why)
}

// maxTornTag bounds what a torn last tag can leave after the last whole
// tag: less than one tag of the largest size.
const maxTornTag = flvTagHeader + flvMaxData + 4

// lastTag reports whether the tail is intact: the last back-pointer
// points at a tag header of that size.
func lastTag(f format.Sink, size int64) bool {
	_, _, ok := tagBefore(f, size)
	return ok
}

// tagBefore returns the header and offset of the tag that ends at end,
// found through its back-pointer, when they agree.
func tagBefore(f io.ReaderAt, end int64) (tagHead, int64, bool) {
	var b [4]byte
	if end < flvHeaderLen+flvTagHeader+4 {
		return tagHead{}, 0, false
	}
	if _, err := f.ReadAt(b[:], end-4); err != nil {
		return tagHead{}, 0, false
	}
	prev := int64(binary.BigEndian.Uint32(b[:]))
	if prev < flvTagHeader || prev > end-4-flvHeaderLen {
		return tagHead{}, 0, false
	}
	at := end - 4 - prev
	h, ok := readHead(f, at, end)
	if !ok || h.data+flvTagHeader != prev {
		return tagHead{}, 0, false
	}
	return h, at, true
}

// tailBack bounds the tags tailTimestamp walks back over.
const tailBack = 1024

// tailTimestamp returns the largest audio or video timestamp among the
// last tags of a file with an intact tail. Each track's timestamps grow,
// but the tracks interleave loosely: ffmpeg ends every FLV with a video
// end-of-sequence tag older than the last audio frame. So it walks back
// over the back-pointers until it has seen the last tag of each track
// the header names, the start of the file, or tailBack tags.
func tailTimestamp(f format.Sink, size int64, flags byte) int64 {
	want := flags & (flvFlagsAudio | flvFlagsVideo)
	top, seen := int64(0), byte(0)
	for end, n := size, 0; n < tailBack && (want == 0 || seen&want != want); n++ {
		h, at, ok := tagBefore(f, end)
		if !ok {
			break
		}
		switch h.typ {
		case 8:
			top, seen = max(top, h.ts), seen|flvFlagsAudio
		case 9:
			top, seen = max(top, h.ts), seen|flvFlagsVideo
		}
		end = at
	}
	return top
}

// checkTorn accepts the bytes from end to size as a torn last tag (a
// crash or a full disk cut the file in the middle of writing it, or left
// zeros after it): at most one tag long, and holding no whole tag. Anything
// else is damage inside the file.
func checkTorn(f format.Sink, end, size int64) error {
	if size-end > maxTornTag {
		return &damageError{at: end, why: fmt.Sprintf("%d bytes follow the last whole tag", size-end)}
	}
	rest := make([]byte, size-end)
	if _, err := f.ReadAt(rest, end); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if p := wholeTagIn(rest); p >= 0 {
		return &damageError{at: end, why: fmt.Sprintf("a whole tag follows at offset %d", end+int64(p))}
	}
	return nil
}

// wholeTagIn returns the offset of the first whole, consistent tag in b
// after its first byte (a header of a known type with stream id 0, and a
// back-pointer that matches its size), or -1.
func wholeTagIn(b []byte) int {
	for p := 1; p+flvTagHeader+4 <= len(b); p++ {
		if t := b[p]; t != 8 && t != 9 && t != 18 || b[p+8]|b[p+9]|b[p+10] != 0 {
			continue
		}
		n := int(b[p+1])<<16 | int(b[p+2])<<8 | int(b[p+3])
		next := p + flvTagHeader + n + 4
		if next <= len(b) && int(binary.BigEndian.Uint32(b[next-4:])) == flvTagHeader+n {
			return p
		}
	}
	return -1
}
