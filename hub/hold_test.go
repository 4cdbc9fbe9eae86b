package hub

import (
	"bytes"
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
)

// gopVisitor is a recorder that, at each frame, reads the GOP cache as a
// scheduled recorder does when its window opens.
type gopVisitor struct {
	s    *Stream
	seen [][]byte // the cache's payloads at the last frame
}

func (g *gopVisitor) OnAV(*media.Frame) {
	g.seen = g.seen[:0]
	g.s.EachGOP(func(f *media.Frame) { g.seen = append(g.seen, bytes.Clone(f.Payload)) })
}

// TestHoldGOPKeepsCacheWithoutReaders: a hold keeps the GOP cache with
// no queued reader; a recorder reading it sees the frames since the last
// key frame, before the frame being written; the cache goes with the
// last hold, and a GOP reader's detach does not take it from a hold.
func TestHoldGOPKeepsCacheWithoutReaders(t *testing.T) {
	f := newFeed(Options{})
	v := &gopVisitor{s: f.s}
	f.s.Start("cam", []Recorder{v})
	release := f.s.HoldGOP()
	f.media(media.TypeVideo, 0, avcHeader)
	f.media(media.TypeVideo, 0, keyFrame)
	f.media(media.TypeAudio, 10, aacHeader)
	f.media(media.TypeVideo, 40, interFrame)
	f.media(media.TypeVideo, 80, interFrame) // v reads the cache before this frame joins it
	if len(v.seen) != 3 || !bytes.Equal(v.seen[0], keyFrame) || !bytes.Equal(v.seen[1], aacHeader) || !bytes.Equal(v.seen[2], interFrame) {
		t.Fatalf("recorder saw %d cached frames %x, want the key frame, the audio header and one inter frame", len(v.seen), v.seen)
	}
	at := f.s.Attach(&blockingReader{release: closed(), got: make(chan []byte, 16)}, ReaderOptions{GOP: true})
	at.Detach()
	if !f.s.HasGOPCache() {
		t.Fatal("a GOP reader's detach dropped the cache under a hold")
	}
	release()
	release() // twice is once
	if f.s.HasGOPCache() {
		t.Error("the cache outlived its last hold")
	}
	f.media(media.TypeVideo, 120, keyFrame)
	if len(v.seen) != 0 {
		t.Errorf("recorder saw %d cached frames without a hold", len(v.seen))
	}
	f.s.Close()
	if r := f.s.HoldGOP(); f.s.HasGOPCache() {
		t.Error("a hold on a closed stream made a cache")
	} else {
		r()
	}
}
