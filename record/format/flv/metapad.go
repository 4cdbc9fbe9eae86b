package flv

import (
	"encoding/binary"
	"strings"
)

// The reserved onMetaData room is filled with data, not with bytes after
// the value: the FLV spec's SCRIPTDATA is a name and its value, and
// decoders that read name/value pairs to the end of the tag (go-flv)
// reject anything after the ECMA array. So the array ends with one or
// more properties
//
//	"padding": "<0 to 255 spaces>"
//
// that together take exactly the bytes left. Each is a plain string
// property, the one value every decoder reads in any position:
//   - at most 255 bytes, the longest string ffmpeg's metadata parser
//     reads (a longer one makes it abandon the rest of the tag);
//   - scalar, because go-amf0 v0.1.0 (under go-flv) reuses one value
//     holder for all the properties of an ECMA array and so misreads an
//     object or strict array that follows a non-null property; for the
//     same reason keyframes is the array's first property (encode);
//   - repeated under one key, so readers that keep a map (ours, ffmpeg's
//     format tags, go-flv) see a single "padding" field of spaces.
//
// One property takes padMin to padMax bytes, so a run of them fills any
// room of padMin bytes or more: a body that leaves at least padMin bytes
// free always fills its reserve exactly (fit).
const padKey = "padding"

// Sizes of one padding property: key, string marker, length, text.
const (
	padString = 255
	padMin    = 2 + len(padKey) + 1 + 2
	padMax    = padMin + padString
)

// spaces is the filler text.
var spaces = strings.Repeat(" ", padString)

// appendPad appends padding properties taking exactly n bytes (n ≥
// padMin) and returns how many it appended. Full ones come first, so the
// last, the value a map-keeping reader shows, is the shortest.
func appendPad(dst []byte, n int) ([]byte, int) {
	count := 0
	for n > 0 {
		size := n
		if n > padMax {
			size = min(padMax, n-padMin) // leave room for one more
		}
		l := size - padMin
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(padKey)))
		dst = append(append(dst, padKey...), 0x02, byte(l>>8), byte(l))
		dst = append(dst, spaces[:l]...)
		n -= size
		count++
	}
	return dst, count
}
