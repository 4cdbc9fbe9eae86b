// Package flv is a strict reader of FLV files, used to check what the
// recorder writes. It accepts only what a well-formed file may contain: any
// deviation (reserved bits, unknown tag types, wrong back-pointers, trailing
// bytes) is an error that names the byte offset, so a test that reads a
// recording back catches writer bugs that lenient players would hide.
//
// Memory is bounded by the bytes actually present: a tag that claims more
// data than remains is rejected before its buffer is allocated.
//
// Only what is FLV-specific lives here (file and tag layout). What an
// audio or video tag carries is asked of the media package's classifier,
// the one the RTMP server and the recorder use; script tags are decoded
// with rtmp/amf, the server's bounded AMF0 decoder.
package flv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Tag types allowed in an FLV file.
const (
	TagAudio  = 8
	TagVideo  = 9
	TagScript = 18
)

// Header flags (TypeFlags byte of the file header).
const (
	FlagVideo = 0x01
	FlagAudio = 0x04
)

const (
	headerLen    = 9  // "FLV", version, flags, DataOffset
	tagHeaderLen = 11 // type, size(3), timestamp(3+1), stream id(3)
	backPtrLen   = 4  // PreviousTagSize
)

// Errors returned by the reader, compared with errors.Is. Every structural
// error wraps exactly one of them, so a caller can tell a torn tail (a
// recording cut short by a crash) from corruption in the middle of a file.
var (
	// ErrTruncated means the input ended inside the header or a tag.
	ErrTruncated = errors.New("flv: truncated")
	// ErrCorrupt means the bytes present are not a valid FLV file.
	ErrCorrupt = errors.New("flv: corrupt")
)

// Header is the FLV file header.
type Header struct {
	// Version is always 1 in a file the reader accepts.
	Version uint8
	// Flags has FlagAudio and/or FlagVideo set; the reserved bits are zero.
	Flags uint8
	// DataOffset is the header length as written in the file (9 or more).
	DataOffset uint32
}

// Tag is one FLV tag.
type Tag struct {
	// Type is TagAudio, TagVideo or TagScript.
	Type uint8
	// Timestamp in milliseconds: the 24-bit field with the extended byte as
	// its upper 8 bits.
	Timestamp uint32
	// StreamID is always 0 in a file the reader accepts.
	StreamID uint32
	// Data is the tag body, owned by the Tag.
	Data []byte
	// Offset is the byte offset of the tag header in the file.
	Offset int64
}

// File is a whole decoded FLV file.
type File struct {
	Header Header
	Tags   []Tag
}

// Count returns the number of tags of type typ.
func (f *File) Count(typ uint8) int {
	n := 0
	for i := range f.Tags {
		if f.Tags[i].Type == typ {
			n++
		}
	}
	return n
}

// ReadFile strictly reads the FLV file at path. It streams the file, so
// memory is bounded by the file's size.
func ReadFile(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, err
	}
	f, err := readAll(newSizedReader(fd, st.Size()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Decode strictly decodes a whole FLV file held in b. The tags' Data are
// copies: b may be reused afterwards.
func Decode(b []byte) (*File, error) {
	return readAll(newSizedReader(bytes.NewReader(b), int64(len(b))))
}

func readAll(r *Reader) (*File, error) {
	h, err := r.Header()
	if err != nil {
		return nil, err
	}
	f := &File{Header: h}
	for {
		t, err := r.Next()
		if err != nil {
			if err == io.EOF {
				return f, nil
			}
			return nil, err
		}
		f.Tags = append(f.Tags, *t)
	}
}
