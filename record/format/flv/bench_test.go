package flv

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// stream27 is one second of a 2.7 Mbit/s publish: 30 fps H.264 at
// 2.5 Mbit/s (a 60 KB keyframe every 2 s, ~9.4 KB inter frames) and
// 43 AAC frames of 372 bytes (128 kbit/s).
type stream27 struct {
	key, inter, aac []byte
}

func newStream27() *stream27 {
	s := &stream27{key: make([]byte, 60000), inter: make([]byte, 9400), aac: make([]byte, 372)}
	copy(s.key, avcPayload(true, 0))
	copy(s.inter, avcPayload(false, 1))
	copy(s.aac, aacPayload(0))
	return s
}

// second writes media second sec to w: 73 tags in timestamp order.
func (s *stream27) second(w tagWriter, sec int64) (bytes int64, err error) {
	a := 0
	for v := range 30 {
		ts := sec*1000 + int64(v)*1000/30
		p, key := s.inter, false
		if v == 0 && sec%2 == 0 {
			p, key = s.key, true
		}
		if err := w.write(tag{Type: media.TypeVideo, Time: ts, Payload: p, Keyframe: key}); err != nil {
			return 0, err
		}
		bytes += int64(len(p))
		for ; a < 43 && sec*1000+int64(a)*1000/43 <= ts; a++ {
			if err := w.write(tag{Type: media.TypeAudio, Time: sec*1000 + int64(a)*1000/43, Payload: s.aac}); err != nil {
				return 0, err
			}
			bytes += int64(len(s.aac))
		}
	}
	for ; a < 43; a++ {
		if err := w.write(tag{Type: media.TypeAudio, Time: sec*1000 + int64(a)*1000/43, Payload: s.aac}); err != nil {
			return 0, err
		}
		bytes += int64(len(s.aac))
	}
	return bytes, nil
}

// benchWriter: one op is one second of a 2.7 Mbit/s stream through the
// FLV writer into a file, its clock following media time (so the 1 s
// flush period acts as in real time). Files rotate every 256 s of media
// (86 MB) to bound disk use. Reported: MB/s of media, allocs/op, and write
// system calls per second of stream (writes/stream-s, counted by a
// wrapper around the file) beside nginx-rtmp's three pwrite(2) per tag
// (nginx-pwrites/stream-s).
func benchWriter(b *testing.B, fsync bool) {
	dir := b.TempDir()
	s := newStream27()
	var writes atomic.Int64
	var media time.Duration
	open := func(i int) *flvWriter {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.flv", i%2)))
		if err != nil {
			b.Fatal(err)
		}
		fields := metaFields{}
		w, err := newFLVWriter(countSink{format.NewOSSink(f), &writes}, flvOptions{limit: defaultBuffer, period: defaultFlush,
			now: func() time.Time { return time.Unix(0, 0).Add(media) }, fsync: fsync,
			meta: &metaPlan{reserve: reserveFor(&fields, maxIndex), index: newKeyIndex(maxIndex, 64)}})
		if err != nil {
			b.Fatal(err)
		}
		return w
	}
	w := open(0)
	one, _ := s.second(nullWriter{}, 0) // sizes only
	b.SetBytes(one)
	b.ReportAllocs()
	writes.Store(0)
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%256 == 0 {
			w.Close()
			w = open(i / 256)
		}
		if _, err := s.second(w, int64(i%256)); err != nil {
			b.Fatal(err)
		}
		media += time.Second
	}
	w.Close()
	b.StopTimer()
	b.ReportMetric(float64(writes.Load())/float64(b.N), "writes/stream-s")
	b.ReportMetric(3*73, "nginx-pwrites/stream-s")
}

func BenchmarkFLVWriter(b *testing.B)      { benchWriter(b, false) }
func BenchmarkFLVWriterFsync(b *testing.B) { benchWriter(b, true) }

// tagWriter is what second writes to.
type tagWriter interface{ write(tag) error }

// nullWriter discards tags.
type nullWriter struct{}

func (nullWriter) write(tag) error { return nil }
