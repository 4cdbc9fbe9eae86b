package playback

import (
	"bytes"
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// Open opens the recording at name on this node's disk (see OpenFiles).
func Open(format, name string, size int64) (Source, error) {
	return OpenFiles(format, LocalFiles(name), size)
}

// OpenFiles opens a recording of format (flv, mp4, fmp4, hls) whose
// files fs reads, for reading its first size bytes (for a directory
// recording, size is ignored and the playlist says what is there).
func OpenFiles(format string, fs Files, size int64) (Source, error) {
	var read func(f readerAtCloser, size int64) (Source, error)
	switch format {
	case "flv":
		read = func(f readerAtCloser, size int64) (Source, error) { return newFLVReader(f, size) }
	case "fmp4":
		read = func(f readerAtCloser, size int64) (Source, error) { return newFMP4Reader(f, size) }
	case "mp4": // a progressive MP4 still being written has no moov yet: an error
		read = func(f readerAtCloser, size int64) (Source, error) { return newMP4Reader(f, size) }
	case "hls":
		return openHLS(fs)
	default:
		return nil, fmt.Errorf("%w: format %q", ErrUnsupported, format)
	}
	f, err := fs.Open("", size)
	if err != nil {
		return nil, err
	}
	src, err := read(f, size)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	return src, nil
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

// openHLS reads an HLS recording. With fMP4 segments: the init segment
// of the first map, then the segments up to the next map (a new map is a
// codec change, where the recording is cut). With MPEG-TS segments (no
// map): tsReader. Segment files open as they are read (segmentFiles).
func openHLS(fs Files) (Source, error) {
	b, err := ReadFile(fs, hls.PlaylistName)
	if err != nil {
		return nil, err
	}
	pl, err := hls.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("hls: %w", err)
	}
	if len(pl.Segments) == 0 {
		return &fragReader{}, nil
	}
	m := pl.Segments[0].Map
	if m == "" {
		return openTS(fs, pl)
	}
	init, err := ReadFile(fs, m)
	if err != nil {
		return nil, err
	}
	ts, _, err := readMoov(bytes.NewReader(init), int64(len(init)))
	if err != nil {
		return nil, fmt.Errorf("hls: %s: %w", m, err)
	}
	files := &segmentFiles{fs: fs}
	fr := &fragReader{closers: []io.Closer{files}}
	fr.v, fr.a = pick(ts)
	for _, s := range pl.Segments {
		if s.Map != m {
			break
		}
		size, err := fs.Size(s.URI) // its size now: what the export reads of it
		if err != nil {
			return nil, err
		}
		fr.parts = append(fr.parts, part{r: files.file(s.URI, size), end: size})
	}
	return fr, nil
}
