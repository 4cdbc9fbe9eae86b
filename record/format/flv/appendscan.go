package flv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/rtmprecd/rtmprecd/record/format"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/media"
)

// errNotFLV refuses record_append onto a file that is not FLV.
var errNotFLV = errors.New("not an flv file")

// maxMetaRead bounds the first script tag read back when appending.
const maxMetaRead = 1 << 20

// appendPoint is where record_append continues an existing file.
type appendPoint struct {
	offset int64 // where to write; 0: (re)start the file from its header
	shift  int64 // largest audio or video timestamp in the file
	flags  byte  // track bits in the header
	torn   int64 // bytes after the last whole tag, cut off
	// ours is the reserved onMetaData room of a file we wrote, with the
	// keyframes already in the file; nil for a file without it.
	ours *metaPlan
}

// findAppendPoint validates the file of size bytes for appending. A file
// whose last back-pointer points at a consistent tag has an intact tail
// and is trusted as it is (appending after it destroys nothing), unless
// it is ours and its metadata does not describe it (a crash): then, as
// for a file whose tail is not intact, its tags are walked from the
// start. The walk may end before the end of the file only at a torn last
// tag (a crash, a full disk), which is cut off; anywhere else the file
// is damaged (a *damageError) and is not appended to. The keyframe index
// of our own file is read from its metadata after a clean close and
// rebuilt by the walk otherwise.
func findAppendPoint(f format.Sink, size int64) (appendPoint, error) {
	var ap appendPoint
	if size == 0 {
		return ap, nil
	}
	var hdr [flvHeaderLen]byte
	if size < flvHeaderLen {
		return ap, fmt.Errorf("%d bytes: %w", size, errNotFLV)
	}
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return ap, err
	}
	if string(hdr[:3]) != "FLV" || hdr[3] != 1 || binary.BigEndian.Uint32(hdr[5:9]) != 9 {
		return ap, errNotFLV
	}
	ap.flags = hdr[4] & (flvFlagsAudio | flvFlagsVideo)
	if size == flvHeaderLen {
		return appendPoint{}, nil // header only: start over, with room for metadata
	}
	meta, filesize := readOurMeta(f, size)
	intact := lastTag(f, size)
	if intact && (meta == nil || filesize == size) {
		ap.offset, ap.shift, ap.ours = size, tailTimestamp(f, size, ap.flags), meta
		if meta != nil {
			ap.shift = max(ap.shift, meta.lastTS)
			meta.lastTS = ap.shift
		}
		return ap, nil
	}
	if meta != nil {
		meta.index = newKeyIndex(maxIndex, 0) // rebuilt by the walk
	}
	end, top, why := walkTags(f, size, meta)
	if end < size {
		if intact {
			return ap, &damageError{at: end, why: why}
		}
		if err := checkTorn(f, end, size); err != nil {
			return ap, err
		}
	}
	ap.offset, ap.shift, ap.ours, ap.torn = end, top, meta, size-end
	if meta != nil {
		meta.lastTS = max(meta.lastTS, top)
	}
	if end == flvHeaderLen {
		return appendPoint{torn: size - flvHeaderLen}, nil
	}
	return ap, nil
}

// tagHead is a tag header and the first two payload bytes.
type tagHead struct {
	typ  byte
	data int64
	ts   int64
	b0   byte
	b1   byte
}

func readHead(f io.ReaderAt, at, size int64) (tagHead, bool) {
	var b [flvTagHeader + 2]byte
	n := int64(len(b))
	if at+n > size {
		n = size - at
	}
	if n < flvTagHeader {
		return tagHead{}, false
	}
	if _, err := f.ReadAt(b[:n], at); err != nil && !errors.Is(err, io.EOF) {
		return tagHead{}, false
	}
	h := tagHead{typ: b[0], data: int64(b[1])<<16 | int64(b[2])<<8 | int64(b[3]),
		ts: int64(b[7])<<24 | int64(b[4])<<16 | int64(b[5])<<8 | int64(b[6]), b0: b[11], b1: b[12]}
	ok := (h.typ == 8 || h.typ == 9 || h.typ == 18) && b[8]|b[9]|b[10] == 0
	return h, ok
}

// walkTags walks the tags from the header to the last whole one, adding
// keyframes to meta's index when meta is not nil. It returns the end of
// the last whole tag, the largest audio or video timestamp before it, and
// why the walk stopped short of size.
func walkTags(s format.Sink, size int64, meta *metaPlan) (end, top int64, why string) {
	f := &window{src: s, size: size, b: make([]byte, 0, 64<<10)}
	end = flvHeaderLen
	for at := end; at < size; {
		h, ok := readHead(f, at, size)
		next := at + flvTagHeader + h.data + 4
		switch {
		case !ok:
			return end, top, "not a tag header"
		case next > size:
			return end, top, "tag runs past the end of the file"
		}
		var b [4]byte
		if _, err := f.ReadAt(b[:], next-4); err != nil || int64(binary.BigEndian.Uint32(b[:])) != flvTagHeader+h.data {
			return end, top, "tag size and back-pointer disagree"
		}
		if h.typ == 8 || h.typ == 9 {
			top = max(top, h.ts)
		}
		if meta != nil && h.typ == 9 && isKeyHead(h) {
			meta.index.add(h.ts, at)
		}
		at, end = next, next
	}
	return end, top, ""
}

// isKeyHead reports whether a video tag starts a picture keyframe, from
// its first two bytes: an Enhanced RTMP header is known by then to be a
// key frame and coded frames, before its FourCC.
func isKeyHead(h tagHead) bool {
	if h.data < 1 {
		return false
	}
	hd, err := media.Peek(media.TypeVideo, []byte{h.b0, h.b1}[:min(h.data, 2)])
	if err != nil && !(hd.Ex && errors.Is(err, media.ErrShort)) {
		return false
	}
	return hd.Key() && hd.Packet == media.PacketFrame
}

// readOurMeta returns the reserved metadata room if the first tag is our
// onMetaData, with the index and file size it records.
func readOurMeta(f format.Sink, size int64) (*metaPlan, int64) {
	h, ok := readHead(f, flvHeaderLen, size)
	if !ok || h.typ != 18 || h.data > maxMetaRead || flvHeaderLen+flvTagHeader+h.data+4 > size {
		return nil, 0
	}
	body := make([]byte, h.data)
	if _, err := f.ReadAt(body, flvHeaderLen+flvTagHeader); err != nil {
		return nil, 0
	}
	tag := flv.Tag{Type: flv.TagScript, Data: body}
	name, fields, err := tag.Metadata()
	if err != nil || name != "onMetaData" || fields["metadatacreator"] != creator {
		return nil, 0
	}
	m := &metaPlan{reserve: int(h.data), at: flvHeaderLen, index: newKeyIndex(maxIndex, 0)}
	filesize, _ := fields["filesize"].(float64)
	dur, _ := fields["duration"].(float64)
	m.lastTS = int64(math.Round(dur * 1000))
	kf, _ := fields["keyframes"].(map[string]any)
	times, _ := kf["times"].([]any)
	pos, _ := kf["filepositions"].([]any)
	// The index is kept only where it points at keyframe tags of the
	// file, in order: the file may have been edited since we wrote it.
	last := flvHeaderLen + flvTagHeader + h.data + 4 - 1
	for i := range min(len(times), len(pos)) {
		t, ok1 := times[i].(float64)
		p, ok2 := pos[i].(float64)
		at := int64(p)
		if !ok1 || !ok2 || float64(at) != p || at <= last || at >= size || t < 0 || t*1000 > maxTS {
			continue
		}
		if kh, ok := readHead(f, at, size); ok && kh.typ == 9 && isKeyHead(kh) {
			m.index.add(int64(math.Round(t*1000)), at)
			last = at
		}
	}
	return m, int64(filesize)
}

// window reads a file through a 64 KiB window, so walking the tags of a
// file costs one pread per 64 KiB (or per larger tag), not two per tag.
type window struct {
	src  io.ReaderAt
	size int64
	off  int64
	b    []byte
}

func (w *window) ReadAt(p []byte, off int64) (int, error) {
	if off < w.off || off+int64(len(p)) > w.off+int64(len(w.b)) {
		n := min(int64(cap(w.b)), w.size-off)
		if n < int64(len(p)) {
			return 0, io.ErrUnexpectedEOF
		}
		w.b = w.b[:n]
		if _, err := w.src.ReadAt(w.b, off); err != nil && !errors.Is(err, io.EOF) {
			w.b = w.b[:0]
			return 0, err
		}
		w.off = off
	}
	return copy(p, w.b[off-w.off:]), nil
}
