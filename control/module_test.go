package control

import (
	"context"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// fakeClock is an injected wall clock for the bandwidth windows.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

func TestMeterBandwidth(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	m := &Module{Now: clk.Now, BandwidthInterval: 10 * time.Second}
	h := m.Hook(nil).AV.(*meterHook)
	if m.Accepted() != 1 {
		t.Fatalf("accepted %d", m.Accepted())
	}
	if err := h.OnPublish(context.Background(), &rtmp.Publish{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	mt := m.Meter(nil)
	if mt == nil || mt.Started() != clk.t {
		t.Fatalf("meter %+v", mt)
	}
	audio := &media.Frame{Type: media.TypeAudio, Time: 5, Payload: make([]byte, 1000)}
	video := &media.Frame{Type: media.TypeVideo, Time: 7, Payload: make([]byte, 4000)}
	data := &media.Frame{Type: media.TypeData, Time: 0, Payload: make([]byte, 50)}
	for range 5 {
		h.OnAV(audio)
		h.OnAV(video)
		clk.t = clk.t.Add(time.Second)
	}
	h.OnAV(data)
	if in, a, v := mt.Bandwidth(); in != 0 || a != 0 || v != 0 {
		t.Fatalf("bandwidth within the first window: %d %d %d", in, a, v)
	}
	for range 5 {
		h.OnAV(audio)
		h.OnAV(video)
		clk.t = clk.t.Add(time.Second)
	}
	h.OnAV(audio) // 10 s after the start: closes the window
	tests := []struct {
		name      string
		got, want uint64
	}{
		// the data message counts nowhere, as in nginx-rtmp
		{"bytes", mt.BytesIn(), 11*1000 + 10*4000},
		{"audio bytes", mt.BytesAudio(), 11 * 1000},
		{"video bytes", mt.BytesVideo(), 10 * 4000},
		{"bw_in", first(mt.Bandwidth()), (11*1000 + 10*4000) * 8 / 10},
		{"bw_audio", second(mt.Bandwidth()), 11 * 1000 * 8 / 10},
		{"bw_video", third(mt.Bandwidth()), 10 * 4000 * 8 / 10},
		{"timestamp", uint64(mt.Timestamp()), 5},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	select {
	case <-mt.Done():
		t.Fatal("done before OnClose")
	default:
	}
	h.OnClose(context.Background(), rtmp.CloseUnpublish)
	<-mt.Done()
	if m.Meter(nil) != nil {
		t.Error("meter still registered after OnClose")
	}
	h.OnAV(audio) // after the publish: ignored, no panic
	var nilModule *Module
	if nilModule.Meter(nil) != nil {
		t.Error("nil module has a meter")
	}
}

func first(a, _, _ uint64) uint64  { return a }
func second(_, b, _ uint64) uint64 { return b }
func third(_, _, c uint64) uint64  { return c }

func TestMeterOnAVDoesNotAllocate(t *testing.T) {
	m := &Module{}
	h := m.Hook(nil).AV.(*meterHook)
	h.OnPublish(context.Background(), &rtmp.Publish{Name: "a"})
	f := &media.Frame{Type: media.TypeVideo, Payload: make([]byte, 100)}
	if n := testing.AllocsPerRun(1000, func() { h.OnAV(f) }); n != 0 {
		t.Fatalf("OnAV allocates %.1f times per frame", n)
	}
}
