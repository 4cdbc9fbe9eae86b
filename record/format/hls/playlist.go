package hls

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/record/format"
)

// Names inside a recording directory.
const (
	PlaylistName = "index.m3u8"
	// tempName is where the next playlist is written before the rename:
	// hidden, so nothing takes it for a recording.
	tempName = ".index.m3u8.tmp"
	endList  = "#EXT-X-ENDLIST\n"
)

// entry is one listed segment and the tags before it.
type entry struct {
	disc   bool      // #EXT-X-DISCONTINUITY before it
	mapURI string    // a new #EXT-X-MAP before it; "" none
	pdt    time.Time // #EXT-X-PROGRAM-DATE-TIME; zero: none
	ms     int64     // duration in milliseconds
	uri    string
}

// playlist rewrites index.m3u8 atomically. body is how many bytes of the
// file on disk come before any #EXT-X-ENDLIST: the next version copies
// them and appends.
type playlist struct {
	dir     format.Dir
	fsync   bool
	version int
	target  int // #EXT-X-TARGETDURATION, seconds
	body    int64
	size    int64 // bytes of the playlist on disk
	add     []byte
	iov     [][]byte
}

// copyBuffers lend the playlist copy its buffer for one rewrite (every
// few seconds per recording), so an idle recording holds none.
var copyBuffers = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// appendHeader appends the tags that open the playlist.
func (p *playlist) appendHeader(b []byte) []byte {
	b = append(b, "#EXTM3U\n#EXT-X-VERSION:"...)
	b = strconv.AppendInt(b, int64(p.version), 10)
	b = append(b, "\n#EXT-X-TARGETDURATION:"...)
	b = strconv.AppendInt(b, int64(p.target), 10)
	return append(b, "\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n"...)
}

// appendEntry appends one segment's lines.
func appendEntry(b []byte, e entry) []byte {
	if e.disc {
		b = append(b, "#EXT-X-DISCONTINUITY\n"...)
	}
	if e.mapURI != "" {
		b = append(b, "#EXT-X-MAP:URI=\""...)
		b = append(b, e.mapURI...)
		b = append(b, "\"\n"...)
	}
	if !e.pdt.IsZero() {
		b = append(b, "#EXT-X-PROGRAM-DATE-TIME:"...)
		b = e.pdt.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, '\n')
	}
	b = append(b, "#EXTINF:"...)
	b = strconv.AppendInt(b, e.ms/1000, 10)
	b = append(b, '.')
	frac := e.ms % 1000
	b = append(b, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	b = append(b, ",\n"...)
	b = append(b, e.uri...)
	return append(b, '\n')
}

// list publishes the playlist with e added.
func (p *playlist) list(e entry) error {
	p.add = p.add[:0]
	if p.body == 0 {
		p.add = p.appendHeader(p.add)
	}
	p.add = appendEntry(p.add, e)
	return p.publish(p.add, false)
}

// end publishes the playlist with #EXT-X-ENDLIST. A playlist never
// published (no segment) stays absent.
func (p *playlist) end() error {
	if p.body == 0 {
		return nil
	}
	return p.publish(nil, true)
}

// publish writes the current body plus add (and the end tag when final)
// to the temporary name and renames it over the playlist. On error the
// previous playlist is untouched.
func (p *playlist) publish(add []byte, final bool) error {
	s, err := p.dir.Create(tempName)
	if errors.Is(err, unix.EEXIST) { // left by a crash: never ours now
		if err = p.dir.Remove(tempName); err == nil {
			s, err = p.dir.Create(tempName)
		}
	}
	if err != nil {
		return err
	}
	n, err := p.write(s, add, final)
	if err == nil && p.fsync {
		err = s.Datasync()
	}
	err = errors.Join(err, s.Close())
	if err == nil {
		err = p.dir.Rename(tempName, PlaylistName)
	}
	if err == nil && p.fsync {
		err = p.dir.Sync()
	}
	if err != nil {
		p.dir.Remove(tempName)
		return fmt.Errorf("playlist: %w", err)
	}
	p.body += int64(len(add))
	p.size = n
	return nil
}

// write copies the body of the playlist on disk into s, then add and
// the end tag; it returns the bytes written.
func (p *playlist) write(s format.Sink, add []byte, final bool) (int64, error) {
	var n int64
	if p.body > 0 {
		c, err := p.copyBody(s)
		n += c
		if err != nil {
			return n, err
		}
	}
	p.iov = append(p.iov[:0], add)
	if final {
		p.iov = append(p.iov, []byte(endList))
	}
	c, err := s.Writev(p.iov)
	return n + c, err
}

// copyBody copies the first p.body bytes of the playlist on disk.
func (p *playlist) copyBody(s format.Sink) (int64, error) {
	f, err := p.dir.Open(PlaylistName)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := copyBuffers.Get().(*[32 << 10]byte)
	defer copyBuffers.Put(buf)
	var off int64
	for off < p.body {
		want := min(int64(len(buf)), p.body-off)
		r, err := f.ReadAt(buf[:want], off)
		if int64(r) < want {
			return off, fmt.Errorf("read %s: %w", PlaylistName, errors.Join(err, io.ErrUnexpectedEOF))
		}
		p.iov = append(p.iov[:0], buf[:r])
		w, err := s.Writev(p.iov)
		off += w
		if err != nil {
			return off, err
		}
	}
	return off, nil
}
