package httprange

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// server serves data with http.ServeContent (real Range handling) on
// 127.0.0.1, counts the GETs and records their Range headers; fail makes
// it answer 503.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	ranges []string
	heads  int
	fail   atomic.Bool
}

func newServer(t testing.TB, data []byte) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		if r.Method == http.MethodHead {
			s.heads++
		} else {
			s.ranges = append(s.ranges, r.Header.Get("Range"))
		}
		s.mu.Unlock()
		if s.fail.Load() {
			http.Error(w, "disk on fire", http.StatusServiceUnavailable)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) gets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

func (s *server) target() Target {
	return Target{URL: s.URL + "/file", Header: http.Header{"Authorization": {"Bearer tok"}}, Name: "node b"}
}

// pattern is size bytes that differ at every offset mod 251.
func pattern(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// TestReadAtRangesAndCache: the size comes from a HEAD; small reads are
// served from aligned blocks (one GET per block, a re-read costs
// nothing, a read across a boundary fetches the next block only), a
// large read is one GET of exactly its range, and a read past the end
// is short with io.EOF.
func TestReadAtRangesAndCache(t *testing.T) {
	data := pattern(3*BlockSize + 1000)
	s := newServer(t, data)
	ctx := context.Background()
	size, err := Head(ctx, s.target())
	if err != nil || size != int64(len(data)) || s.heads != 1 {
		t.Fatalf("head: %d, %v (%d HEADs)", size, err, s.heads)
	}
	r := New(ctx, s.target(), size)
	steps := []struct {
		off  int64
		n    int
		want int // bytes read
		eof  bool
		gets []string
	}{
		{off: 0, n: 11, want: 11, gets: []string{"bytes=0-262143"}},
		{off: 100, n: 4000, want: 4000},                                              // the same block
		{off: BlockSize - 5, n: 10, want: 10, gets: []string{"bytes=262144-524287"}}, // across a boundary
		{off: 7, n: 3, want: 3},                                                      // still cached: two blocks kept
		{off: 10, n: BlockSize + 7, want: BlockSize + 7, gets: []string{"bytes=10-262160"}},
		{off: 3*BlockSize + 900, n: 200, want: 100, eof: true, gets: []string{"bytes=786432-787431"}},
		{off: int64(len(data)), n: 1, want: 0, eof: true},
	}
	seen := 0
	for _, st := range steps {
		p := make([]byte, st.n)
		n, err := r.ReadAt(p, st.off)
		if n != st.want || (err == io.EOF) != st.eof || err != nil && err != io.EOF {
			t.Fatalf("ReadAt(%d, %d) = %d, %v; want %d, eof %v", st.n, st.off, n, err, st.want, st.eof)
		}
		if end := st.off + int64(n); n > 0 && !bytes.Equal(p[:n], data[st.off:end]) {
			t.Fatalf("ReadAt(%d, %d): wrong bytes", st.n, st.off)
		}
		got := s.gets()[seen:]
		if strings.Join(got, " ") != strings.Join(st.gets, " ") {
			t.Fatalf("ReadAt(%d, %d) sent %q, want %q", st.n, st.off, got, st.gets)
		}
		seen += len(got)
	}
}

// TestReadAtEvictsTheOldestBlock: a third block pushes out the least
// recently read one, which is fetched again when read again.
func TestReadAtEvictsTheOldestBlock(t *testing.T) {
	data := pattern(4 * BlockSize)
	s := newServer(t, data)
	r := New(context.Background(), s.target(), int64(len(data)))
	p := make([]byte, 8)
	for _, off := range []int64{0, BlockSize, 1, 2 * BlockSize, BlockSize + 1, 2} {
		if _, err := r.ReadAt(p, off); err != nil || !bytes.Equal(p, data[off:off+8]) {
			t.Fatalf("ReadAt at %d: %v", off, err)
		}
	}
	want := "bytes=0-262143 bytes=262144-524287 bytes=524288-786431 bytes=262144-524287 bytes=0-262143"
	if got := strings.Join(s.gets(), " "); got != want {
		t.Fatalf("GETs %q\nwant %q", got, want)
	}
}

// TestErrorsNameTheNode: a 5xx answer, a missing token and a dead
// server are errors that start with the target's name and say what
// failed; a failed read leaves nothing cached.
func TestErrorsNameTheNode(t *testing.T) {
	data := pattern(1000)
	s := newServer(t, data)
	r := New(context.Background(), s.target(), int64(len(data)))
	s.fail.Store(true)
	if n, err := r.ReadAt(make([]byte, 10), 0); n != 0 || err == nil ||
		!strings.HasPrefix(err.Error(), "node b: GET ") || !strings.Contains(err.Error(), "503 Service Unavailable: disk on fire") {
		t.Fatalf("5xx: %d, %v", n, err)
	}
	if _, err := Head(context.Background(), s.target()); err == nil || !strings.Contains(err.Error(), "node b: HEAD") {
		t.Fatalf("HEAD on 5xx: %v", err)
	}
	s.fail.Store(false)
	if _, err := r.ReadAt(make([]byte, 10), 0); err != nil {
		t.Fatalf("after the server recovered: %v", err)
	}
	noToken := s.target()
	noToken.Header = nil
	if _, err := New(context.Background(), noToken, 1000).ReadAt(make([]byte, 10), 0); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("without the token: %v", err)
	}
	s.Close()
	_, err := New(context.Background(), s.target(), 1000).ReadAt(make([]byte, 10), 500)
	var uerr interface{ Timeout() bool }
	if err == nil || !strings.HasPrefix(err.Error(), "node b: ") || !errors.As(err, &uerr) {
		t.Fatalf("dead server: %v", err)
	}
}

// TestServerIgnoringRange: a server that answers 200 with the whole file
// to a Range request is an error, not data at the wrong offset.
func TestServerIgnoringRange(t *testing.T) {
	data := pattern(1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	defer srv.Close()
	_, err := New(context.Background(), Target{URL: srv.URL, Name: "node c"}, 1000).ReadAt(make([]byte, 10), 100)
	if err == nil || !strings.Contains(err.Error(), "node c: GET") || !strings.Contains(err.Error(), "200 OK") {
		t.Fatalf("%v", err)
	}
}

// TestHeadNotFound: a 404 to the HEAD is fs.ErrNotExist (a file gone
// since it was indexed), named after the node.
func TestHeadNotFound(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := Head(context.Background(), Target{URL: srv.URL, Name: "node c"})
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "node c: HEAD") {
		t.Fatalf("%v", err)
	}
}
