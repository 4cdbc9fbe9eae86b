package playback

import (
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
)

// mp4Reader reads a progressive MP4 file from its sample tables, merging
// its video and audio tracks in decode order.
type mp4Reader struct {
	f    readerAtCloser
	v, a *trak
	cur  [2]*tableCursor // video, audio; nil when absent or done
}

// newMP4Reader reads the progressive MP4 in the first size bytes of f;
// Close closes f.
func newMP4Reader(f readerAtCloser, size int64) (*mp4Reader, error) {
	ts, _, err := readMoov(f, size)
	if err != nil {
		return nil, err
	}
	r := &mp4Reader{f: f}
	r.v, r.a = pick(ts)
	for i, t := range []*trak{r.v, r.a} {
		if t == nil {
			continue
		}
		c, err := newCursor(t, size)
		if err != nil {
			return nil, err
		}
		if c.n > 0 {
			r.cur[i] = c
		}
	}
	return r, nil
}

func (r *mp4Reader) Tracks() (video, audio *media.Track) { return trackOf(r.v), trackOf(r.a) }
func (r *mp4Reader) Close() error                        { return r.f.Close() }

func (r *mp4Reader) Next() (Sample, error) {
	i := 0
	switch v, a := r.cur[0], r.cur[1]; {
	case v == nil && a == nil:
		return Sample{}, io.EOF
	case v == nil || a != nil && a.at() < v.at():
		i = 1
	}
	c := r.cur[i]
	s, err := c.sample()
	if err != nil {
		return Sample{}, err
	}
	s.R = r.f
	if c.i == c.n {
		r.cur[i] = nil
	}
	return s, nil
}

// at is the next sample's decode time in µs on the movie timeline.
func (c *tableCursor) at() int64 { return c.t.startMS*1000 + c.dts*1000/c.t.perMS }

// tableCursor walks one track's sample tables.
type tableCursor struct {
	t                      *trak
	size                   int64
	n, i                   int
	stts, ctts, stss, stsz []byte
	stsc, chunks           []byte
	co64                   bool
	uniform                uint32 // stsz's size of every sample; 0: one entry each
	dts, delta             int64  // in the track's timescale
	cts                    int64
	sttsI, sttsLeft        int
	cttsI, cttsLeft        int
	stssI                  int
	chunk, inChunk, perChk int // chunk index, samples taken from it, samples per chunk
	stscI                  int
	off                    int64
}

func table(stbl []byte, typ string, hdr, entry int, need bool) ([]byte, error) {
	b, ok := path(stbl, typ)
	if !ok {
		if need {
			return nil, fmt.Errorf("%w: no %s", errDamaged, typ)
		}
		return nil, nil
	}
	if len(b) < hdr {
		return nil, fmt.Errorf("%w: short %s", errDamaged, typ)
	}
	n := int(be.Uint32(b[hdr-4:]))
	if entry > 0 && (n < 0 || n > (len(b)-hdr)/entry) {
		return nil, fmt.Errorf("%w: %s of %d entries in %d bytes", errDamaged, typ, n, len(b))
	}
	return b[hdr-4:], nil
}

func newCursor(t *trak, size int64) (*tableCursor, error) {
	c := &tableCursor{t: t, size: size}
	var err error
	if c.stts, err = table(t.stbl, "stts", 8, 8, true); err != nil {
		return nil, err
	}
	if c.ctts, err = table(t.stbl, "ctts", 8, 8, false); err != nil {
		return nil, err
	}
	if c.stss, err = table(t.stbl, "stss", 8, 4, false); err != nil {
		return nil, err
	}
	if c.stsc, err = table(t.stbl, "stsc", 8, 12, true); err != nil {
		return nil, err
	}
	if err := c.sizes(); err != nil {
		return nil, err
	}
	if c.chunks, err = table(t.stbl, "co64", 8, 8, false); err != nil {
		return nil, err
	}
	c.co64 = c.chunks != nil
	if !c.co64 {
		if c.chunks, err = table(t.stbl, "stco", 8, 4, true); err != nil {
			return nil, err
		}
	}
	if c.n > 0 && count(c.stsc) == 0 {
		return nil, fmt.Errorf("%w: empty stsc", errDamaged)
	}
	return c, nil
}

// sizes reads stsz: a uniform size, or one entry per sample.
func (c *tableCursor) sizes() error {
	b, ok := path(c.t.stbl, "stsz")
	if !ok || len(b) < 12 {
		return fmt.Errorf("%w: no stsz", errDamaged)
	}
	c.uniform, c.n = be.Uint32(b[4:]), int(be.Uint32(b[8:]))
	if c.n < 0 || c.uniform == 0 && c.n > (len(b)-12)/4 {
		return fmt.Errorf("%w: stsz of %d samples in %d bytes", errDamaged, c.n, len(b))
	}
	c.stsz = b[8:] // from the count, as entry expects
	return nil
}

// count is a table's entry count.
func count(tb []byte) int {
	if tb == nil {
		return 0
	}
	return int(be.Uint32(tb))
}

// entry returns field k (4 bytes each) of entry i of a table of width w.
func entry(tb []byte, i, w, k int) uint32 { return be.Uint32(tb[4+i*w+4*k:]) }

// sample returns the cursor's next sample and advances.
func (c *tableCursor) sample() (Sample, error) {
	if c.sttsLeft == 0 {
		if c.sttsI >= count(c.stts) {
			return Sample{}, fmt.Errorf("%w: stts shorter than stsz", errDamaged)
		}
		c.sttsLeft, c.delta = int(entry(c.stts, c.sttsI, 8, 0)), int64(entry(c.stts, c.sttsI, 8, 1))
		c.sttsI++
		if c.sttsLeft == 0 {
			return c.sample()
		}
	}
	per := c.t.perMS
	s := Sample{Video: c.t.video, Key: true, DTS: c.t.startMS + c.dts/per}
	c.dts += c.delta
	c.sttsLeft--
	if c.ctts != nil {
		for c.cttsLeft == 0 && c.cttsI < count(c.ctts) {
			c.cttsLeft, c.cts = int(entry(c.ctts, c.cttsI, 8, 0)), int64(int32(entry(c.ctts, c.cttsI, 8, 1)))
			c.cttsI++
		}
		s.CTS, c.cttsLeft = int32(c.cts/per), c.cttsLeft-1
	}
	if c.stss != nil && c.t.video {
		s.Key = c.stssI < count(c.stss) && int(entry(c.stss, c.stssI, 4, 0)) == c.i+1
		if s.Key {
			c.stssI++
		}
	}
	s.Size = c.uniform
	if s.Size == 0 {
		s.Size = entry(c.stsz, c.i, 4, 0)
	}
	off, err := c.offset()
	if err != nil {
		return Sample{}, err
	}
	s.Off, c.off = off, off+int64(s.Size)
	if s.Off < 0 || s.Off+int64(s.Size) > c.size { // a co64 entry past 2^63 is negative
		return Sample{}, fmt.Errorf("%w: sample %d past the end of the file", errDamaged, c.i+1)
	}
	c.i++
	return s, nil
}

// offset returns where sample c.i starts, from stsc and the chunk table.
func (c *tableCursor) offset() (int64, error) {
	if c.i > 0 && c.inChunk < c.perChk {
		c.inChunk++
		return c.off, nil
	}
	if c.i > 0 {
		c.chunk++
	}
	for c.stscI < count(c.stsc) && int(entry(c.stsc, c.stscI, 12, 0))-1 <= c.chunk {
		c.perChk = int(entry(c.stsc, c.stscI, 12, 1))
		c.stscI++
	}
	if c.chunk >= count(c.chunks) || c.perChk <= 0 {
		return 0, fmt.Errorf("%w: chunk %d of sample %d not in the tables", errDamaged, c.chunk+1, c.i+1)
	}
	c.inChunk = 1
	if c.co64 {
		return int64(be.Uint64(c.chunks[4+8*c.chunk:])), nil
	}
	return int64(entry(c.chunks, c.chunk, 4, 0)), nil
}
