package client

import (
	"io"
	"testing"

	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// BenchmarkWriteMedia writes 4 KiB video messages at chunk size 4096 to
// a server that discards them: the cost of the client as a load generator.
func BenchmarkWriteMedia(b *testing.B) {
	addr := serve(b, func(p *peer) { io.Copy(io.Discard, p.nc) })
	c, err := Dial(b.Context(), addr, Options{ChunkSize: 4096})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	payload := make([]byte, 4096)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	ts := uint64(0)
	for b.Loop() {
		ts += 40
		if err := c.WriteMedia(chunk.TypeVideo, 1, ts, payload); err != nil {
			b.Fatal(err)
		}
	}
}
