package flv_test

import (
	"encoding/binary"
	"math"

	"github.com/rtmprecd/rtmprecd/flv"
)

// fileHeader returns a 9-byte FLV header plus PreviousTagSize0.
func fileHeader(flags byte) []byte {
	return []byte{'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0}
}

// rawTag returns one tag (header, body, PreviousTagSize) with the type byte
// and stream id as given, so tests can build invalid tags too.
func rawTag(typeByte byte, ts uint32, streamID uint32, data []byte) []byte {
	n := len(data)
	b := []byte{typeByte, byte(n >> 16), byte(n >> 8), byte(n),
		byte(ts >> 16), byte(ts >> 8), byte(ts), byte(ts >> 24),
		byte(streamID >> 16), byte(streamID >> 8), byte(streamID)}
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, uint32(11+n))
}

func tag(typ byte, ts uint32, data ...byte) []byte { return rawTag(typ, ts, 0, data) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// encode writes f back out; for a file with DataOffset 9 it reproduces the
// input of Decode byte for byte.
func encode(f *flv.File) []byte {
	b := []byte{'F', 'L', 'V', f.Header.Version, f.Header.Flags}
	b = binary.BigEndian.AppendUint32(b, f.Header.DataOffset)
	b = append(b, make([]byte, int(f.Header.DataOffset)-9+4)...)
	for _, t := range f.Tags {
		b = append(b, rawTag(t.Type, t.Timestamp, t.StreamID, t.Data)...)
	}
	return b
}

// amfStr encodes an AMF0 string value.
func amfStr(s string) []byte {
	return append([]byte{2, byte(len(s) >> 8), byte(len(s))}, s...)
}

// amfKey encodes an object key (no marker).
func amfKey(s string) []byte { return amfStr(s)[1:] }

// amfNum encodes an AMF0 number value.
func amfNum(f float64) []byte {
	return binary.BigEndian.AppendUint64([]byte{0}, math.Float64bits(f))
}

var objEnd = []byte{0, 0, 9}
