//go:build linux

package load

import (
	"fmt"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// linger keeps a second descriptor of a publisher's socket so that the
// connection can end the way a server expects: go-rtmp's Close flushes
// its queues and closes its descriptor, but the socket lives on through
// ours; then we send FIN and wait for the server to close its side, which
// it does only after reading everything. Closing with unread replies in
// the receive queue (the answer to deleteStream) would send a RST, and
// the server's kernel would drop whatever the server had not read yet.
type linger struct {
	fd int // -1 when none
}

// dialer returns a net.Dialer whose Control duplicates the socket into l.
func (l *linger) dialer(timeout time.Duration) *net.Dialer {
	l.fd = -1
	return &net.Dialer{Timeout: timeout, Control: func(_, _ string, c syscall.RawConn) error {
		var derr error
		err := c.Control(func(fd uintptr) {
			l.release() // an earlier address's socket, if the dialer tried several
			l.fd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
			if derr != nil {
				l.fd = -1
			}
		})
		if err != nil {
			return err
		}
		if derr != nil {
			return fmt.Errorf("dup socket: %w", derr)
		}
		return nil
	}}
}

// finish half-closes the socket after go-rtmp has flushed and closed its
// descriptor, drains what the server sends, and waits up to timeout for
// the server to close its side.
func (l *linger) finish(timeout time.Duration) error {
	if l.fd < 0 {
		return nil
	}
	defer l.release()
	if err := unix.Shutdown(l.fd, unix.SHUT_WR); err != nil {
		return nil // already reset or closed by the server: nothing to wait for
	}
	buf := make([]byte, 4096)
	deadline := time.Now().Add(timeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 20*time.Millisecond) {
		for {
			if n, _, err := unix.Recvfrom(l.fd, buf, unix.MSG_DONTWAIT); n <= 0 || err != nil {
				break
			}
		}
		info, err := unix.GetsockoptTCPInfo(l.fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return fmt.Errorf("tcp info: %w", err)
		}
		switch info.State {
		case unix.BPF_TCP_FIN_WAIT1, unix.BPF_TCP_FIN_WAIT2, unix.BPF_TCP_ESTABLISHED:
		default:
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server did not close the connection within %v", timeout)
		}
		time.Sleep(wait) // polling the kernel's view of the socket, with a deadline
	}
}

// release closes our descriptor without waiting.
func (l *linger) release() {
	if l.fd >= 0 {
		unix.Close(l.fd)
		l.fd = -1
	}
}
