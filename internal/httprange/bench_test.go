package httprange

import (
	"context"
	"testing"
)

// BenchmarkSmallReads reads an 8 MiB file over HTTP on 127.0.0.1 as a
// container reader does: an 11-byte header, then a 4 KiB payload, to the
// end; it reports the requests per MiB (one per block: 4, where one
// request per ReadAt would be 510).
func BenchmarkSmallReads(b *testing.B) {
	data := pattern(8 << 20)
	s := newServer(b, data)
	hdr, body := make([]byte, 11), make([]byte, 4096)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := New(context.Background(), s.target(), int64(len(data)))
		for off := int64(0); off < int64(len(data)); {
			if _, err := r.ReadAt(hdr, off); err != nil {
				b.Fatal(err)
			}
			n, err := r.ReadAt(body, off+11)
			if err != nil && n+11 < len(data)-int(off) {
				b.Fatal(err)
			}
			off += 11 + int64(n)
		}
	}
	b.ReportMetric(float64(len(s.gets()))/float64(b.N)/8, "requests/MiB")
}
