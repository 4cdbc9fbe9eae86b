package hls

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/record/format"
)

// A crash leaves at most one segment half written: the one after the
// playlist's last listed segment (segments are listed only once whole,
// and the muxer writes one at a time). Its whole fMP4 fragments or PES
// packets are good media, so repair cuts it after the last of them and
// lists it instead of removing it: a crash then loses the last fragment
// (fMP4, at most about a second) or the last access units whose bytes
// did not all reach the disk (MPEG-TS), not a whole segment.

// tornSegment is the segment a crash left half written.
type tornSegment struct {
	name   string
	mapURI string // fMP4: the init segment its fragments need; "" MPEG-TS
	e      entry  // its playlist entry once finished
	size   int64  // its length once cut
}

// findTorn names the one unlisted segment repair may finish, if it
// exists: the number after the last listed segment, of the playlist's
// segment type (an #EXT-X-MAP on the last segment: fMP4, else MPEG-TS).
// Without a listed segment it is 000000.m4s beside init.mp4, or
// 000000.ts.
func findTorn(dir string, p *Playlist, unlistedInit string) (tornSegment, bool) {
	exists := func(name string) bool {
		st, err := os.Lstat(filepath.Join(dir, name))
		return err == nil && st.Mode().IsRegular()
	}
	if p == nil || len(p.Segments) == 0 {
		switch {
		case exists(segmentName(0, ".m4s")) && exists(initName(0)):
			return tornSegment{name: segmentName(0, ".m4s"), mapURI: initName(0)}, true
		case exists(segmentName(0, ".ts")):
			return tornSegment{name: segmentName(0, ".ts")}, true
		}
		return tornSegment{}, false
	}
	last := p.Segments[len(p.Segments)-1]
	ext := ".ts"
	if last.Map != "" {
		ext = ".m4s"
	}
	n, ok := segmentNumber(last.URI, ext)
	if !ok || !exists(segmentName(n+1, ext)) {
		return tornSegment{}, false
	}
	t := tornSegment{name: segmentName(n+1, ext), mapURI: last.Map}
	if p.Ended && ext == ".m4s" && unlistedInit != "" {
		// an appended session whose parameters changed wrote its own
		// init segment before its first segment
		t.mapURI = unlistedInit
	}
	return t, true
}

// finishTorn cuts the torn segment t after its last whole fragment or
// PES packet and makes its playlist entry; ok is false when it holds
// none (it is then removed as an unlisted file).
//
// The tags before it follow the muxer's rules. With no segment listed it
// is the recording's first: #EXT-X-PROGRAM-DATE-TIME and its map. After
// an ended playlist it is the first of an appended session (a crashed
// session's playlist is never ended but by this repair, which runs
// before any recorder opens the directory again): #EXT-X-DISCONTINUITY,
// the date and, when the session wrote its own init segment, that map.
// Otherwise it continues the session listed last: no tag. The date is
// the file's birth time, which the muxer creates at the segment's first
// frame (its modification time less its duration where the file system
// keeps no birth time), kept after the playlist's last date.
func finishTorn(dir string, p *Playlist, t *tornSegment) (bool, error) {
	f, err := os.OpenFile(filepath.Join(dir, t.name), os.O_RDWR|unix.O_NOFOLLOW, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	var ms int64
	var ok bool
	if t.mapURI != "" {
		t.size, ms, ok, err = cutFMP4(dir, t.mapURI, f, st.Size())
	} else {
		t.size, ms, ok, err = cutTS(f, st.Size())
	}
	if err != nil || !ok {
		return false, err
	}
	if t.size < st.Size() {
		if err := f.Truncate(t.size); err != nil {
			return false, fmt.Errorf("cut %s: %w", t.name, err)
		}
	}
	if err := f.Sync(); err != nil {
		return false, fmt.Errorf("sync %s: %w", t.name, err)
	}
	t.e = entry{ms: max(ms, 1), uri: t.name}
	first := p == nil || len(p.Segments) == 0
	switch {
	case first:
		t.e.mapURI = t.mapURI
	case p.Ended:
		t.e.disc = true
		if t.mapURI != p.Segments[len(p.Segments)-1].Map {
			t.e.mapURI = t.mapURI
		}
	}
	if first || p.Ended {
		t.e.pdt = startTime(f, ms)
		if last := lastPDT(p); !t.e.pdt.After(last) {
			t.e.pdt = last.Add(time.Millisecond) // a clock set back: dates still increase
		}
	}
	return true, nil
}

// lastPDT is the last program date time p lists; zero none.
func lastPDT(p *Playlist) time.Time {
	if p == nil {
		return time.Time{}
	}
	for i := len(p.Segments) - 1; i >= 0; i-- {
		if !p.Segments[i].PDT.IsZero() {
			return p.Segments[i].PDT
		}
	}
	return time.Time{}
}

// startTime is when the segment's first frame came: the file's birth
// time, else its modification time less its duration.
func startTime(f *os.File, ms int64) time.Time {
	var x unix.Statx_t
	err := unix.Statx(int(f.Fd()), "", unix.AT_EMPTY_PATH, unix.STATX_BTIME|unix.STATX_MTIME, &x)
	if err == nil && x.Mask&unix.STATX_BTIME != 0 {
		return time.Unix(x.Btime.Sec, int64(x.Btime.Nsec))
	}
	if err == nil {
		return time.Unix(x.Mtime.Sec, int64(x.Mtime.Nsec)).Add(-time.Duration(ms) * time.Millisecond)
	}
	return time.Now().Add(-time.Duration(ms) * time.Millisecond)
}

// listTorn lists the finished segment and ends the playlist (a new one,
// with the muxer's header, when none was published).
func listTorn(d format.Dir, p *Playlist, t tornSegment) error {
	pl := playlist{dir: d, fsync: true, version: 3}
	if p != nil {
		pl.body = p.Body
	} else {
		if t.mapURI != "" {
			pl.version = 6
		}
		// the configured max fragment is unknown here; an appended
		// session may not exceed the target, so leave it the default's
		pl.target = int(max(math.Ceil(float64(t.e.ms)/1000), (maxFragmentMul * DefaultFragment).Seconds()))
	}
	if err := pl.list(t.e); err != nil {
		return err
	}
	return pl.end()
}

// errNoMedia says a torn segment holds nothing whole.
var errNoMedia = errors.New("no whole fragment")

// joined reads head followed by tail: an init segment and a media
// segment as the single fragmented MP4 file the fMP4 scan reads.
type joined struct {
	head []byte
	tail io.ReaderAt
}

func (j joined) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	if off < int64(len(j.head)) {
		n = copy(p, j.head[off:])
		if n == len(p) {
			return n, nil
		}
	}
	m, err := j.tail.ReadAt(p[n:], off+int64(n)-int64(len(j.head)))
	return n + m, err
}
