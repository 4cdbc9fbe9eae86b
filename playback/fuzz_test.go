package playback

import (
	"bytes"
	"io"
	"testing"
)

// Fuzz targets of every reader of recordings: files on disk are input we
// did not necessarily write (another muxer, a crash, a disk error). Each
// reads the input as a whole recording and drains its samples: no panic,
// no unbounded allocation, and every sample's bytes inside the input.
// Seeds: testdata/fuzz/<target> (real files of our muxers, cut short).

// bytesFile is an in-memory recording.
type bytesFile struct{ *bytes.Reader }

func (bytesFile) Close() error { return nil }

func newBytesFile(b []byte) bytesFile { return bytesFile{bytes.NewReader(b)} }

// maxFuzzSamples bounds the drain: a damaged table may announce far more
// samples than the input holds, which is fine as long as each is checked.
const maxFuzzSamples = 1 << 16

// drain reads every sample of src, checking each lies inside size bytes
// and can be read.
func drain(t *testing.T, src Source, size int64) {
	t.Helper()
	defer src.Close()
	src.Tracks()
	buf := make([]byte, 0, 1024)
	for range maxFuzzSamples {
		s, err := src.Next()
		if err != nil {
			return
		}
		if s.Off < 0 || s.Off+int64(s.Size) > size || s.R == nil {
			t.Fatalf("sample %+v outside the %d-byte input", s, size)
		}
		if s.Size <= 1024 {
			if _, err := s.R.ReadAt(buf[:s.Size], s.Off); err != nil && err != io.EOF {
				t.Fatalf("sample %+v unreadable: %v", s, err)
			}
		}
	}
}

func FuzzFLVReader(f *testing.F) {
	f.Add([]byte("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := newFLVReader(newBytesFile(b), int64(len(b))); err == nil {
			drain(t, r, int64(len(b)))
		}
	})
}

func FuzzMP4Reader(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x08moov"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := newMP4Reader(newBytesFile(b), int64(len(b))); err == nil {
			drain(t, r, int64(len(b)))
		}
	})
}

// FuzzFMP4Reader covers fragmented MP4 files and, through the same
// fragment reader, HLS fMP4 segments.
func FuzzFMP4Reader(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x08moov\x00\x00\x00\x08moof\x00\x00\x00\x08mdat"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := newFMP4Reader(newBytesFile(b), int64(len(b))); err == nil {
			drain(t, r, int64(len(b)))
		}
	})
}

// FuzzBoxes walks boxes the ways the readers do: headers from a file
// (readBox, nested to the end), and trees in memory (children, path).
func FuzzBoxes(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x10moov\x00\x00\x00\x08trak"))
	f.Add([]byte("\x00\x00\x00\x01mdat\x00\x00\x00\x00\x00\x00\x00\x10"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, size := bytes.NewReader(b), int64(len(b))
		for off, n := int64(0), 0; off < size && n < maxFuzzSamples; n++ {
			bx, err := readBox(r, off, size)
			if err != nil {
				break
			}
			if bx.end() <= off || bx.end() > size || bx.body() > bx.end() {
				t.Fatalf("box %+v at %d of %d", bx, off, size)
			}
			off = bx.end()
		}
		if cs, err := children(b); err == nil {
			for _, c := range cs {
				if len(c.body) > len(b) {
					t.Fatalf("child %q larger than its parent", c.typ)
				}
			}
		}
		path(b, "moov", "trak", "mdia", "minf", "stbl", "stsd")
		moovTracks(b)
	})
}

// FuzzSampleEntry reads a sample entry (stsd child) into a track.
func FuzzSampleEntry(f *testing.F) {
	f.Add("avc1", make([]byte, 78))
	f.Add("mp4a", make([]byte, 28))
	f.Fuzz(func(t *testing.T, typ string, body []byte) {
		entryTrack(typ, body)
	})
}

// memFiles is an HLS recording in memory: a playlist of two MPEG-TS
// segments, both seg.
type memFiles struct{ seg []byte }

const memPlaylist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:EVENT\n" +
	"#EXTINF:2.000,\n000000.ts\n#EXTINF:2.000,\n000001.ts\n#EXT-X-ENDLIST\n"

func (m memFiles) file(name string) []byte {
	if name == "index.m3u8" {
		return []byte(memPlaylist)
	}
	return m.seg
}

func (m memFiles) Size(name string) (int64, error) { return int64(len(m.file(name))), nil }

func (m memFiles) Open(name string, size int64) (File, error) {
	return newBytesFile(m.file(name)[:size]), nil
}

// FuzzTSSource reads arbitrary bytes as the MPEG-TS segments of an HLS
// recording: no panic, and every sample the scan announced reads back
// through its ReaderAt whole, at its size (scan and read agree), video
// as length-prefixed NAL units that fill it exactly.
func FuzzTSSource(f *testing.F) {
	f.Add([]byte("\x47\x40\x00\x10\x00\x00\xb0\x0d\x00\x01\xc1\x00\x00\x00\x01\xf0\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		src, err := OpenFiles("hls", memFiles{seg: b}, 0)
		if err != nil {
			return
		}
		defer src.Close()
		src.Tracks()
		for range maxFuzzSamples {
			s, err := src.Next()
			if err != nil {
				return
			}
			if s.Size == 0 || s.Size > 2*uint32(len(b)) || s.R == nil {
				t.Fatalf("sample %+v from %d bytes", s, len(b))
			}
			data := make([]byte, s.Size)
			if n, err := s.R.ReadAt(data, s.Off); n != len(data) || err != nil {
				t.Fatalf("sample %+v: read %d bytes: %v", s, n, err)
			}
			if s.Video && !lengthPrefixed(data) {
				t.Fatalf("sample %+v: not length-prefixed NAL units", s)
			}
		}
	})
}

// lengthPrefixed says whether b is NAL units each after a 4-byte length.
func lengthPrefixed(b []byte) bool {
	for len(b) > 0 {
		if len(b) < 4 {
			return false
		}
		n := int(be.Uint32(b))
		if n == 0 || n > len(b)-4 {
			return false
		}
		b = b[4+n:]
	}
	return true
}
