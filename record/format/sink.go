package format

import (
	"fmt"
	"io"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sink is the file under a muxer: an *os.File in production (NewOSSink);
// tests wrap it to count system calls or inject I/O errors. Every method
// is one system call (Writev loops only on short writes).
type Sink interface {
	Name() string
	// Writev writes bufs, in order, with writev(2) at the file offset and
	// returns how many bytes reached the file; on error that count says
	// how far the data got. bufs' elements may be modified.
	Writev(bufs [][]byte) (int64, error)
	// WriteAt overwrites bytes in place (pwrite(2)); it never extends
	// the file in our use.
	WriteAt(p []byte, off int64) (int, error)
	// ReadAt reads back bytes (append validation).
	ReadAt(p []byte, off int64) (int, error)
	Truncate(size int64) error
	Seek(off int64, whence int) (int64, error)
	// Datasync makes written data durable (fdatasync(2)): record_fsync.
	Datasync() error
	// Allocate reserves n bytes at off, extending the file, without
	// writing them (fallocate(2)): they read as zeros. It fails where the
	// file system cannot (the caller then writes zeros).
	Allocate(off, n int64) error
	Close() error
}

// MaxIov is how many buffers one Writev takes: pending tags, and a large
// tag's header, body and back-pointer.
const MaxIov = 4

// osSink is a sink on an open file. Writes go through writev(2) on the raw
// descriptor with an iovec array kept in the struct, so writing a large
// tag in place, without copying it into the buffer, allocates nothing.
type osSink struct {
	f   *os.File
	fd  uintptr
	iov [MaxIov]unix.Iovec
}

// NewOSSink returns the Sink of an open file.
func NewOSSink(f *os.File) Sink { return &osSink{f: f, fd: f.Fd()} }

func (s *osSink) Name() string                             { return s.f.Name() }
func (s *osSink) WriteAt(p []byte, off int64) (int, error) { return s.f.WriteAt(p, off) }
func (s *osSink) ReadAt(p []byte, off int64) (int, error)  { return s.f.ReadAt(p, off) }
func (s *osSink) Truncate(size int64) error                { return s.f.Truncate(size) }
func (s *osSink) Seek(off int64, whence int) (int64, error) {
	return s.f.Seek(off, whence)
}
func (s *osSink) Datasync() error { return unix.Fdatasync(int(s.fd)) }
func (s *osSink) Allocate(off, n int64) error {
	if err := unix.Fallocate(int(s.fd), 0, off, n); err != nil {
		return fmt.Errorf("fallocate %q: %w", s.f.Name(), err)
	}
	return nil
}
func (s *osSink) Close() error { return s.f.Close() }

func (s *osSink) Writev(bufs [][]byte) (int64, error) {
	var total int64
	for {
		n := 0
		for _, b := range bufs {
			if len(b) > 0 && n < MaxIov {
				s.iov[n].Base = &b[0]
				s.iov[n].SetLen(len(b))
				n++
			}
		}
		if n == 0 {
			return total, nil
		}
		r, _, e := unix.Syscall(unix.SYS_WRITEV, s.fd, uintptr(unsafe.Pointer(&s.iov[0])), uintptr(n))
		s.iov = [MaxIov]unix.Iovec{} // keep no payload alive
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return total, fmt.Errorf("write %q: %w", s.f.Name(), e)
		}
		if r == 0 {
			return total, fmt.Errorf("write %q: %w", s.f.Name(), io.ErrShortWrite)
		}
		total += int64(r)
		consume(bufs, int64(r))
	}
}

// consume drops the first n bytes from bufs, in place.
func consume(bufs [][]byte, n int64) {
	for i := range bufs {
		if n >= int64(len(bufs[i])) {
			n -= int64(len(bufs[i]))
			bufs[i] = nil
			continue
		}
		bufs[i] = bufs[i][n:]
		return
	}
}

// FlushObserver is implemented by a Sink that wants to time each flush
// (the metrics): a muxer calls FlushedSince with the flush's start once
// it is written out.
type FlushObserver interface{ FlushedSince(start time.Time) }
