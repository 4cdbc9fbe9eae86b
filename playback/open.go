package playback

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// Open opens the recording at name of format (flv, mp4, fmp4, hls) for
// reading its first size bytes (for a directory recording, size is
// ignored and the playlist says what is there).
func Open(format, name string, size int64) (Source, error) {
	switch format {
	case "flv":
		return openFLV(name, size)
	case "fmp4":
		return openFMP4(name, size)
	case "mp4":
		return openMP4(name, size)
	case "hls":
		return openHLS(name)
	}
	return nil, fmt.Errorf("%w: format %q", ErrUnsupported, format)
}

// openFMP4 reads a fragmented MP4 file's movie header; its fragments are
// read as Next asks.
func openFMP4(name string, size int64) (Source, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	r, err := newFMP4Reader(f, size)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fmp4 %s: %w", name, err)
	}
	return r, nil
}

// readerAtCloser is an open recording: a file, or bytes in fuzz tests.
type readerAtCloser interface {
	io.ReaderAt
	io.Closer
}

// newFMP4Reader reads the fragmented MP4 in the first size bytes of f;
// Close closes f.
func newFMP4Reader(f readerAtCloser, size int64) (*fragReader, error) {
	ts, end, err := readMoov(f, size)
	if err != nil {
		return nil, err
	}
	v, a := pick(ts)
	return &fragReader{v: v, a: a, parts: []part{{r: f, start: end, end: size}}, closers: []io.Closer{f}}, nil
}

// openHLS reads an HLS recording with fMP4 segments: the init segment of
// the first map, then the segments up to the next map (a new map is a
// codec change, where the recording is cut). Segment files open as they
// are read (segmentFiles).
func openHLS(dir string) (Source, error) {
	b, err := os.ReadFile(filepath.Join(dir, "index.m3u8"))
	if err != nil {
		return nil, err
	}
	pl, err := hls.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("hls %s: %w", dir, err)
	}
	if len(pl.Segments) == 0 {
		return &fragReader{}, nil
	}
	m := pl.Segments[0].Map
	if m == "" {
		return nil, fmt.Errorf("hls %s: %w: MPEG-TS segments", dir, ErrUnsupported)
	}
	init, err := os.ReadFile(filepath.Join(dir, m))
	if err != nil {
		return nil, err
	}
	ts, _, err := readMoov(bytes.NewReader(init), int64(len(init)))
	if err != nil {
		return nil, fmt.Errorf("hls %s: %s: %w", dir, m, err)
	}
	files := &segmentFiles{}
	fr := &fragReader{closers: []io.Closer{files}}
	fr.v, fr.a = pick(ts)
	for _, s := range pl.Segments {
		if s.Map != m {
			break
		}
		name := filepath.Join(dir, s.URI)
		st, err := os.Stat(name) // its size now: what the export reads of it
		if err != nil {
			return nil, err
		}
		fr.parts = append(fr.parts, part{r: files.file(name), end: st.Size()})
	}
	return fr, nil
}
