package playback

import "io"

// copier writes sample payloads to w, reading contiguous runs of one
// source with one ReadAt through a reused buffer.
type copier struct {
	w   io.Writer
	buf []byte
	r   io.ReaderAt
	off int64
	n   int64
}

// maxRun is the largest read; a larger run is read in pieces.
const maxRun = 1 << 20

func newCopier(w io.Writer) *copier { return &copier{w: w, buf: make([]byte, maxRun)} }

// add queues a sample's bytes, flushing the queued run when it is not
// contiguous with them.
func (c *copier) add(r io.ReaderAt, off int64, size uint32) error {
	if c.n > 0 && (c.r != r || c.off+c.n != off) {
		if err := c.flush(); err != nil {
			return err
		}
	}
	if c.n == 0 {
		c.r, c.off = r, off
	}
	c.n += int64(size)
	return nil
}

// flush writes the queued run.
func (c *copier) flush() error {
	for c.n > 0 {
		k := min(c.n, int64(len(c.buf)))
		if _, err := c.r.ReadAt(c.buf[:k], c.off); err != nil {
			return err
		}
		if _, err := c.w.Write(c.buf[:k]); err != nil {
			return err
		}
		c.off, c.n = c.off+k, c.n-k
	}
	return nil
}
