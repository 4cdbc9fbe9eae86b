package hub

import (
	"bytes"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
)

// blockingReader blocks in Read until release is closed, then reports
// each frame's payload and its units' data.
type blockingReader struct {
	release chan struct{}
	got     chan []byte
}

func (r *blockingReader) Read(f *media.Frame) {
	<-r.release
	b := bytes.Clone(f.Payload)
	for _, u := range f.Units {
		b = append(b, u.Data...)
	}
	r.got <- b
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s in 10 s", what)
	}
}

// TestSlowReaderNeverStallsIngestOrRecorders: a reader that stopped
// reading gets its queue's worth and the rest is dropped and counted;
// ingest and the recorder go on with every frame.
func TestSlowReaderNeverStallsIngestOrRecorders(t *testing.T) {
	f := newFeed(Options{})
	rec := &recorderLog{}
	f.s.Start("cam", []Recorder{rec})
	r := &blockingReader{release: make(chan struct{}), got: make(chan []byte, 100)}
	at := f.s.Attach(r, ReaderOptions{Queue: 4})
	f.media(media.TypeAudio, 0, aacHeader)
	for i := range 99 {
		f.media(media.TypeAudio, int64(i*23), aacFrame)
	}
	if len(rec.frames) != 100 {
		t.Fatalf("recorder got %d frames, want 100", len(rec.frames))
	}
	if at.Dropped() != 96 {
		t.Errorf("dropped %d, want 96 (a queue of 4)", at.Dropped())
	}
	close(r.release)
	want := append(bytes.Clone(aacHeader), 0x12, 0x10)
	if got := <-r.got; !bytes.Equal(got, want) {
		t.Errorf("first queued frame %x, want the sequence header and its config %x", got, want)
	}
	for range 3 {
		<-r.got
	}
	f.s.Close()
	wait(t, at.Stopped(), "reader stop after Close")
}

// TestQueuedReaderGetsCopies: the publisher's buffer is reused for the
// next message; a queued reader still reads the bytes (payload and
// units) of the message it was given.
func TestQueuedReaderGetsCopies(t *testing.T) {
	f := newFeed(Options{})
	f.s.Start("cam", nil)
	r := &blockingReader{release: make(chan struct{}), got: make(chan []byte, 4)}
	at := f.s.Attach(r, ReaderOptions{Queue: 4})
	buf := bytes.Clone(avcHeader)
	f.media(media.TypeVideo, 0, buf)
	want := append(bytes.Clone(avcHeader), avcHeader[5:]...) // the unit's data is the avcC record
	for i := range buf {
		buf[i] = 0xee
	}
	close(r.release)
	if got := <-r.got; !bytes.Equal(got, want) {
		t.Errorf("reader read %x, want %x", got, want)
	}
	at.Detach()
	wait(t, at.Stopped(), "reader stop after Detach")
}

// TestGOPCacheOnlyForReadersThatAskForIt: a stream with recorders and
// plain readers keeps no copy of its media; a reader that asks for the
// GOP cache gets the frames since the last key frame first, and the cache
// goes with it.
func TestGOPCacheOnlyForReadersThatAskForIt(t *testing.T) {
	f := newFeed(Options{})
	f.s.Start("cam", []Recorder{&recorderLog{}})
	plain := f.s.Attach(&blockingReader{release: closed(), got: make(chan []byte, 1000)}, ReaderOptions{Queue: 1000})
	f.media(media.TypeVideo, 0, avcHeader)
	gop := func(ts int64) {
		f.media(media.TypeVideo, ts, keyFrame)
		f.media(media.TypeAudio, ts, aacFrame)
		f.media(media.TypeVideo, ts+40, interFrame)
	}
	gop(0)
	if f.s.HasGOPCache() {
		t.Fatal("a GOP cache without a reader that needs it")
	}
	first := &blockingReader{release: closed(), got: make(chan []byte, 100)}
	a := f.s.Attach(first, ReaderOptions{Queue: 100, GOP: true})
	if !f.s.HasGOPCache() {
		t.Fatal("no GOP cache for a reader that asked for it")
	}
	gop(80)
	f.media(media.TypeVideo, 160, interFrame)
	if n, size := f.s.GOPCached(); n != 4 || size != int64(len(keyFrame)+len(aacFrame)+2*len(interFrame)) {
		t.Errorf("cache holds %d frames, %d bytes; want the last GOP's 4", n, size)
	}
	late := &blockingReader{release: closed(), got: make(chan []byte, 100)}
	b := f.s.Attach(late, ReaderOptions{Queue: 100, GOP: true})
	if got := <-late.got; !bytes.Equal(got[:len(keyFrame)], keyFrame) {
		t.Errorf("a late reader starts with %x, want the cached key frame", got)
	}
	a.Detach()
	if !f.s.HasGOPCache() {
		t.Error("cache gone while a reader still needs it")
	}
	b.Detach()
	if f.s.HasGOPCache() {
		t.Error("cache kept after its last reader left")
	}
	plain.Detach()
	wait(t, plain.Stopped(), "plain reader stop")
}

// TestGOPCacheBounded: a publisher that never sends another key frame
// cannot grow the cache past its bound.
func TestGOPCacheBounded(t *testing.T) {
	f := newFeed(Options{})
	f.s.Start("cam", nil)
	at := f.s.Attach(&blockingReader{release: closed(), got: make(chan []byte, maxGOPFrames*2)}, ReaderOptions{Queue: 1, GOP: true})
	f.media(media.TypeVideo, 0, avcHeader)
	f.media(media.TypeVideo, 0, keyFrame)
	for i := range maxGOPFrames + 10 {
		f.media(media.TypeVideo, int64(i), interFrame)
	}
	if n, _ := f.s.GOPCached(); n != 0 {
		t.Errorf("cache holds %d frames past its bound of %d", n, maxGOPFrames)
	}
	f.s.Close()
	wait(t, at.Stopped(), "reader stop")
}

// TestAttachAfterCloseIsStopped: a reader that attaches to a stream that
// ended gets nothing and stops at once.
func TestAttachAfterCloseIsStopped(t *testing.T) {
	s := New("live", Options{})
	s.Close()
	at := s.Attach(&blockingReader{release: closed(), got: make(chan []byte, 1)}, ReaderOptions{})
	wait(t, at.Stopped(), "reader stop")
	wait(t, s.Done(), "done")
}

func closed() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
