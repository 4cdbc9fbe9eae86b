package hls

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/record/format"
)

// maxPlaylist bounds a playlist read back (append, repair): about a
// million segments of ours.
const maxPlaylist = 64 << 20

// maxInit bounds an initialization segment read back.
const maxInit = 1 << 20

// readPlaylist reads and parses the playlist of d; a missing one is
// (nil, nil, nil).
func readPlaylist(d format.Dir) (*Playlist, []byte, error) {
	f, err := d.Open(PlaylistName)
	if errors.Is(err, unix.ENOENT) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPlaylist+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", PlaylistName, err)
	}
	if len(b) > maxPlaylist {
		return nil, b, fmt.Errorf("%w: %s larger than %d bytes", ErrSyntax, PlaylistName, maxPlaylist)
	}
	p, err := Parse(b)
	return p, b, err
}

// segmentNumber is n for a segment file name "NNNNNN"+ext of ours.
func segmentNumber(name, ext string) (int, bool) {
	digits, ok := strings.CutSuffix(name, ext)
	if !ok || len(digits) < 6 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || segmentName(n, ext) != name {
		return 0, false
	}
	return n, true
}

// resume continues the playlist in the directory (record_append): the
// next segment follows a discontinuity, with its own program date time
// and, when the parameters differ, a new init segment. shift is where
// the media listed so far ends. A directory without a playlist starts
// one; a playlist that is not ours, or of the other segment type, is
// format.ErrNotAppendable.
func (m *muxer) resume() (shift int64, appended bool, err error) {
	p, _, err := readPlaylist(m.dir)
	if p == nil && err == nil {
		return 0, false, nil
	}
	if err != nil {
		m.o.Log.Warn("record: hls playlist cannot be appended to, using the next name", "path", m.o.Path, "err", err)
		return 0, false, format.ErrNotAppendable
	}
	last := -1
	for _, s := range p.Segments {
		n, ok := segmentNumber(s.URI, m.seg.ext())
		if !ok || n <= last {
			m.o.Log.Warn("record: hls playlist of another segment type or not ours, using the next name", "path", m.o.Path, "segment", s.URI)
			return 0, false, format.ErrNotAppendable
		}
		last = n
		shift += s.MS
		m.files += m.fileSize(s.URI)
	}
	if p.Type != "EVENT" || len(p.Segments) == 0 {
		return 0, false, format.ErrNotAppendable
	}
	// the target duration is fixed in the playlist's header
	m.f.MaxFragment = min(m.f.MaxFragment, time.Duration(p.Target)*time.Second)
	m.f.Fragment = min(m.f.Fragment, m.f.MaxFragment)
	m.pl.body, m.pl.size = p.Body, p.Body
	m.next, m.disc, m.appended = last+1, true, true
	if err := m.resumeInit(p); err != nil {
		return 0, false, err
	}
	return shift, true, nil
}

// resumeInit reads the map in effect at the playlist's end, so that an
// appended session with the same parameters keeps it.
func (m *muxer) resumeInit(p *Playlist) error {
	uri := p.Segments[len(p.Segments)-1].Map
	seen := map[string]bool{}
	for _, s := range p.Segments {
		seen[s.Map] = s.Map != ""
	}
	m.init.count = len(seen)
	if uri == "" {
		return nil
	}
	f, err := m.dir.Open(uri)
	if err != nil {
		return nil // a new map follows the discontinuity
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInit))
	if err == nil {
		m.init.prev, m.init.prevURI = b, uri
		m.files += int64(len(b))
	}
	return nil
}

// fileSize is the size of a file in the directory, 0 when unknown.
func (m *muxer) fileSize(name string) int64 {
	f, err := m.dir.Open(name)
	if err != nil {
		return 0
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	return st.Size()
}
