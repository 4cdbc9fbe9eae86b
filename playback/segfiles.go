package playback

import (
	"fmt"
	"slices"
	"sync"
)

// maxOpenSegments is how many segment files of one HLS recording are open
// at once: a day of 6-second segments would otherwise hold 14400
// descriptors for the whole export.
var maxOpenSegments = 8

// segmentFiles opens the segment files of an HLS recording as they are
// read, closing the least recently read beyond maxOpenSegments; a closed
// one opens again when read again (the mp4 export reads its runs after
// its walks).
type segmentFiles struct {
	fs   Files
	mu   sync.Mutex
	open []*segmentFile // least recently read first
}

// segmentFile is one segment of the recording: an io.ReaderAt.
type segmentFile struct {
	name string
	size int64
	set  *segmentFiles
	f    File
}

func (s *segmentFiles) file(name string, size int64) *segmentFile {
	return &segmentFile{name: name, size: size, set: s}
}

// ReadAt reads the segment, opening it if it is not open.
func (sf *segmentFile) ReadAt(p []byte, off int64) (int, error) {
	s := sf.set
	s.mu.Lock()
	defer s.mu.Unlock()
	if sf.f == nil {
		f, err := s.fs.Open(sf.name, sf.size)
		if err != nil {
			return 0, fmt.Errorf("hls segment: %w", err)
		}
		sf.f = f
		if len(s.open) >= maxOpenSegments {
			s.open[0].f.Close()
			s.open[0].f = nil
			s.open = s.open[1:]
		}
	} else if i := slices.Index(s.open, sf); i >= 0 {
		s.open = slices.Delete(s.open, i, i+1)
	}
	s.open = append(s.open, sf)
	return sf.f.ReadAt(p, off)
}

// Close closes every segment file still open.
func (s *segmentFiles) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for _, sf := range s.open {
		if err := sf.f.Close(); err != nil && first == nil {
			first = err
		}
		sf.f = nil
	}
	s.open = nil
	return first
}
