package amf

import (
	"os"
	"testing"
)

// BenchmarkDecodeConnect decodes the connect command ffmpeg 5.1 sends.
func BenchmarkDecodeConnect(b *testing.B) {
	in, err := os.ReadFile("testdata/ffmpeg_connect.bin")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(in, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeMetaData decodes ffmpeg's @setDataFrame onMetaData.
func BenchmarkDecodeMetaData(b *testing.B) {
	in, err := os.ReadFile("testdata/ffmpeg_setdataframe.bin")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(in, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendStatus encodes an onStatus reply into a reused buffer.
func BenchmarkAppendStatus(b *testing.B) {
	info := Object{{"level", "status"}, {"code", "NetStream.Publish.Start"}, {"description", "Start publishing"}}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = Append(buf[:0], "onStatus", 0.0, nil, info); err != nil {
			b.Fatal(err)
		}
	}
}
