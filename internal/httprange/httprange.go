// Package httprange reads a file served over HTTP as an io.ReaderAt, by
// Range requests: how an export reads a recording another node of a
// shared index holds. Small reads go through a cache of a few aligned
// blocks, so a container reader's many small ReadAt calls (tag headers,
// box headers) cost one request per block, not one each; a read of a
// block or more is one request for exactly what it asks.
//
// The reader only reads what its caller asks (plus the rest of a block):
// it never walks the file on its own.
package httprange

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// BlockSize is the read-ahead of a small read; blocks are aligned on it.
const BlockSize = 256 << 10

// cachedBlocks is how many blocks a Reader keeps: two, so that a read
// across a block boundary, or a reader alternating between the end of one
// block and the start of the next, does not fetch again.
const cachedBlocks = 2

// maxErrorBody is how much of an error answer goes into the error.
const maxErrorBody = 512

// Target is what to read: the URL, the headers every request carries
// (a token, a marker) and the name errors start with (the node).
type Target struct {
	Client *http.Client
	URL    string
	Header http.Header
	Name   string
}

// Head asks the target's size now (the Content-Length of a HEAD); a
// 404 is fs.ErrNotExist.
func Head(ctx context.Context, t Target) (int64, error) {
	res, err := t.do(ctx, http.MethodHead, "")
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return 0, t.errorf("HEAD %s: %s: %w", t.URL, res.Status, fs.ErrNotExist)
	}
	if res.StatusCode != http.StatusOK {
		return 0, t.errorf("HEAD %s: %s", t.URL, res.Status)
	}
	if res.ContentLength < 0 {
		return 0, t.errorf("HEAD %s: no Content-Length", t.URL)
	}
	return res.ContentLength, nil
}

// Reader reads the first size bytes of a target. It is safe for
// concurrent use (io.ReaderAt's contract); calls share its cache.
type Reader struct {
	ctx  context.Context
	t    Target
	size int64

	mu     sync.Mutex
	blocks []block // least recently used first
}

type block struct {
	off int64
	b   []byte
}

// New reads the first size bytes of t (what Head said, or what the
// caller knows is there); requests run under ctx.
func New(ctx context.Context, t Target, size int64) *Reader {
	return &Reader{ctx: ctx, t: t, size: size}
}

// Size is how many bytes the reader reads.
func (r *Reader) Size() int64 { return r.size }

// Close drops the cache; the reader holds no connection between calls.
func (r *Reader) Close() error {
	r.mu.Lock()
	r.blocks = nil
	r.mu.Unlock()
	return nil
}

// ReadAt reads len(p) bytes at off, or up to the end with io.EOF.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, r.t.errorf("read at %d: negative offset", off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := int(min(int64(len(p)), r.size-off))
	var err error
	if want >= BlockSize {
		err = r.fetch(p[:want], off)
	} else {
		err = r.cached(p[:want], off)
	}
	if err != nil {
		return 0, err
	}
	if want < len(p) {
		return want, io.EOF
	}
	return want, nil
}

// cached fills p from the blocks that hold [off, off+len(p)).
func (r *Reader) cached(p []byte, off int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(p) > 0 {
		b, err := r.block(off / BlockSize * BlockSize)
		if err != nil {
			return err
		}
		n := copy(p, b.b[off-b.off:])
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// block returns the block at off, fetching it when it is not cached.
func (r *Reader) block(off int64) (block, error) {
	for i, b := range r.blocks {
		if b.off == off {
			r.blocks = append(slices.Delete(r.blocks, i, i+1), b)
			return b, nil
		}
	}
	b := block{off: off, b: make([]byte, min(BlockSize, r.size-off))}
	if err := r.fetch(b.b, off); err != nil {
		return block{}, err
	}
	if len(r.blocks) >= cachedBlocks {
		r.blocks = r.blocks[1:]
	}
	r.blocks = append(r.blocks, b)
	return b, nil
}

// fetch reads exactly len(p) bytes at off with one Range request.
func (r *Reader) fetch(p []byte, off int64) error {
	rng := fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1)
	res, err := r.t.do(r.ctx, http.MethodGet, rng)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusPartialContent {
		b, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
		return r.t.errorf("GET %s %s: %s: %s", r.t.URL, rng, res.Status, bytes.TrimSpace(b))
	}
	if start, ok := rangeStart(res.Header.Get("Content-Range")); !ok || start != off {
		return r.t.errorf("GET %s %s: answered Content-Range %q", r.t.URL, rng, res.Header.Get("Content-Range"))
	}
	if _, err := io.ReadFull(res.Body, p); err != nil {
		return r.t.errorf("GET %s %s: %w", r.t.URL, rng, err)
	}
	return nil
}

// rangeStart reads the first byte of a "bytes first-last/size" header.
func rangeStart(h string) (int64, bool) {
	s, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, false
	}
	first, _, ok := strings.Cut(s, "-")
	n, err := strconv.ParseInt(first, 10, 64)
	return n, ok && err == nil
}

// do sends one request to the target.
func (t Target) do(ctx context.Context, method, rng string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, t.URL, nil)
	if err != nil {
		return nil, t.errorf("%w", err)
	}
	for k, vs := range t.Header {
		req.Header[k] = vs
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	c := t.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, t.errorf("%w", err)
	}
	return res, nil
}

// errorf starts an error with the target's name.
func (t Target) errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	if t.Name == "" {
		return err
	}
	return fmt.Errorf("%s: %w", t.Name, err)
}
