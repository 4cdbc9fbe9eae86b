package hub

import (
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
)

// counters are a stream's byte, frame and bitrate counters. They are
// written by the publisher's goroutine only (Write) and read by HTTP
// handlers and scrapes, hence atomics; the window fields are the
// publisher goroutine's own.
type counters struct {
	audio, video, data     atomic.Uint64 // payload bytes by message type
	naudio, nvideo         atomic.Uint64 // messages
	lastTS                 atomic.Int64  // timestamp of the last audio or video message (ms)
	bwIn, bwAudio, bwVideo atomic.Uint64 // bits/s over the last full window
	bwWire                 atomic.Uint64 // bits/s of every byte received, same window

	winStart                time.Time
	winIn, winAudio, winVid uint64 // counters at winStart
	winWire                 uint64 // the connection's bytes at winStart
}

// count adds f and, at the end of each window, publishes the bandwidth.
// Data messages count in BytesData only, as nginx-rtmp counts a
// stream's bytes_in. No allocation.
func (c *counters) count(f *media.Frame, s *Stream) {
	n := uint64(len(f.Payload))
	switch f.Type {
	case media.TypeAudio:
		c.audio.Add(n)
		c.naudio.Add(1)
	case media.TypeVideo:
		c.video.Add(n)
		c.nvideo.Add(1)
	default:
		c.data.Add(n)
		return
	}
	c.lastTS.Store(f.Time)
	now := s.opts.Now()
	el := now.Sub(c.winStart)
	if el < s.opts.BandwidthInterval {
		return
	}
	a, v := c.audio.Load(), c.video.Load()
	c.bwIn.Store(bitsPerSecond(a+v-c.winIn, el))
	c.bwAudio.Store(bitsPerSecond(a-c.winAudio, el))
	c.bwVideo.Store(bitsPerSecond(v-c.winVid, el))
	wire := s.wire()
	c.bwWire.Store(bitsPerSecond(wire-c.winWire, el))
	c.winStart, c.winIn, c.winAudio, c.winVid, c.winWire = now, a+v, a, v, wire
}

func bitsPerSecond(bytes uint64, d time.Duration) uint64 {
	return uint64(float64(bytes*8) / d.Seconds())
}

// BytesIn is the payload bytes of every audio and video message, what
// nginx-rtmp counts as a stream's bytes_in (data messages such as
// onMetaData and the chunk stream's own bytes are not counted).
func (c *counters) BytesIn() uint64 { return c.audio.Load() + c.video.Load() }

// BytesAudio is the payload bytes of audio messages.
func (c *counters) BytesAudio() uint64 { return c.audio.Load() }

// BytesVideo is the payload bytes of video messages.
func (c *counters) BytesVideo() uint64 { return c.video.Load() }

// BytesData is the payload bytes of data messages (onMetaData, ...).
func (c *counters) BytesData() uint64 { return c.data.Load() }

// AudioFrames and VideoFrames count audio and video messages.
func (c *counters) AudioFrames() uint64 { return c.naudio.Load() }

// VideoFrames counts video messages.
func (c *counters) VideoFrames() uint64 { return c.nvideo.Load() }

// Timestamp is the timestamp (ms) of the last audio or video message.
func (c *counters) Timestamp() int64 { return c.lastTS.Load() }

// Bandwidth returns the input, audio and video bandwidth in bits/s over
// the last full window; zero during the first window.
func (c *counters) Bandwidth() (in, audio, video uint64) {
	return c.bwIn.Load(), c.bwAudio.Load(), c.bwVideo.Load()
}

// WireBandwidth is the bandwidth in bits/s of every byte the publishing
// connection received (chunk headers, commands, control messages, media)
// over the last full window: what nginx-rtmp's global bw_in counts.
func (c *counters) WireBandwidth() uint64 { return c.bwWire.Load() }
