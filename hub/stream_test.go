package hub

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
)

// Real FLV tag bodies: an AVC sequence header, key and inter frames, AAC.
var (
	avcHeader  = []byte{0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f, 0x01, 0x00, 0x04, 0x68, 0xee, 0x3c, 0x80}
	keyFrame   = []byte{0x17, 0x01, 0, 0, 0, 0, 0, 0, 4, 0x65, 0x88, 0x84, 0x00}
	interFrame = []byte{0x27, 0x01, 0, 0, 0, 0, 0, 0, 3, 0x41, 0x9a, 0x01}
	aacHeader  = []byte{0xaf, 0x00, 0x12, 0x10}
	aacFrame   = []byte{0xaf, 0x01, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c}
)

// fakeClock is an injected wall clock for the bandwidth windows.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

// feed classifies messages as ingest does and writes them to a stream.
type feed struct {
	p media.Parser
	s *Stream
}

func newFeed(o Options) *feed {
	f := &feed{}
	o.Codec = f.p.State
	f.s = New("live", o)
	return f
}

func (f *feed) media(typ uint8, ts int64, body []byte) {
	f.s.Write(f.p.Media(typ, ts, body))
}

// recorderLog is a synchronous reader that keeps what it saw.
type recorderLog struct{ frames [][]byte }

func (r *recorderLog) OnAV(f *media.Frame) { r.frames = append(r.frames, bytes.Clone(f.Payload)) }

func TestStreamBandwidth(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	s := New("live", Options{Now: clk.Now, BandwidthInterval: 10 * time.Second})
	s.Start("a", nil)
	if s.Started() != clk.t || s.Name() != "a" || s.App() != "live" {
		t.Fatalf("stream %s/%s started %v", s.App(), s.Name(), s.Started())
	}
	audio := &media.Frame{Type: media.TypeAudio, Time: 5, Payload: make([]byte, 1000)}
	video := &media.Frame{Type: media.TypeVideo, Time: 7, Payload: make([]byte, 4000)}
	data := &media.Frame{Type: media.TypeData, Time: 0, Payload: make([]byte, 50)}
	for range 5 {
		s.Write(audio)
		s.Write(video)
		clk.t = clk.t.Add(time.Second)
	}
	s.Write(data)
	if in, a, v := s.Bandwidth(); in != 0 || a != 0 || v != 0 {
		t.Fatalf("bandwidth within the first window: %d %d %d", in, a, v)
	}
	for range 5 {
		s.Write(audio)
		s.Write(video)
		clk.t = clk.t.Add(time.Second)
	}
	s.Write(audio) // 10 s after the start: closes the window
	in, a, v := s.Bandwidth()
	tests := []struct {
		name      string
		got, want uint64
	}{
		// the data message counts in BytesData only, as in nginx-rtmp
		{"bytes", s.BytesIn(), 11*1000 + 10*4000},
		{"audio bytes", s.BytesAudio(), 11 * 1000},
		{"video bytes", s.BytesVideo(), 10 * 4000},
		{"data bytes", s.BytesData(), 50},
		{"audio messages", s.AudioFrames(), 11},
		{"video messages", s.VideoFrames(), 10},
		{"bw_in", in, (11*1000 + 10*4000) * 8 / 10},
		{"bw_audio", a, 11 * 1000 * 8 / 10},
		{"bw_video", v, 10 * 4000 * 8 / 10},
		{"timestamp", uint64(s.Timestamp()), 5},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	select {
	case <-s.Done():
		t.Fatal("done before Close")
	default:
	}
	s.Close()
	<-s.Done()
}

// TestRecordersGetEveryFrameInOrder: the synchronous readers see every
// frame, in Start's order, with the codec state ingest keeps.
func TestRecordersGetEveryFrameInOrder(t *testing.T) {
	f := newFeed(Options{})
	var order []string
	a, b := &recorderLog{}, &recorderLog{}
	f.s.Start("cam", []Recorder{recorderFunc(func(m *media.Frame) { order = append(order, "a"); a.OnAV(m) }),
		recorderFunc(func(m *media.Frame) { order = append(order, "b"); b.OnAV(m) })})
	f.media(media.TypeVideo, 0, avcHeader)
	f.media(media.TypeVideo, 0, keyFrame)
	if len(a.frames) != 2 || len(b.frames) != 2 || !bytes.Equal(b.frames[1], keyFrame) {
		t.Fatalf("recorders got %d and %d frames", len(a.frames), len(b.frames))
	}
	if got := order; len(got) != 4 || got[0] != "a" || got[1] != "b" {
		t.Errorf("order %v", got)
	}
	if v := f.s.Codec().Video(); v == nil || v.AVC == nil {
		t.Errorf("codec state through the stream: %+v", v)
	}
}

type recorderFunc func(*media.Frame)

func (r recorderFunc) OnAV(f *media.Frame) { r(f) }

// TestStreamWriteDoesNotAllocate: counting and the recorders cost no
// allocation per message; nor does a queued reader once its slots have
// held the stream's largest message.
func TestStreamWriteDoesNotAllocate(t *testing.T) {
	f := newFeed(Options{})
	f.s.Start("cam", []Recorder{recorderFunc(func(*media.Frame) {})})
	f.media(media.TypeVideo, 0, avcHeader)
	ts, n := int64(0), 0
	write := func() { // a GOP of 25 video frames, audio between them
		ts += 40
		if n++; n%25 == 0 {
			f.media(media.TypeVideo, ts, keyFrame)
		} else {
			f.media(media.TypeVideo, ts, interFrame)
		}
		f.media(media.TypeAudio, ts, aacFrame)
	}
	if n := testing.AllocsPerRun(1000, write); n != 0 {
		t.Errorf("recorders only: %.2f allocations per message pair", n)
	}
	r := &countingReader{}
	at := f.s.Attach(r, ReaderOptions{Queue: 8, GOP: true})
	for range 100 { // every slot has held a frame of each size, the cache a whole GOP
		write()
	}
	if n := testing.AllocsPerRun(1000, write); n != 0 {
		t.Errorf("with a queued reader and the GOP cache: %.2f allocations per message pair", n)
	}
	at.Detach()
	<-at.Stopped()
}

// countingReader counts what it reads, allocating nothing.
type countingReader struct{ n atomic.Int64 }

func (r *countingReader) Read(*media.Frame) { r.n.Add(1) }
