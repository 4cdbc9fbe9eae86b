// Package load publishes many RTMP streams at once from one FLV file, for
// benchmarks: real time (paced by the file's timestamps) or as fast as the
// server reads, looping the file with continuous timestamps. It uses
// go-rtmp's client, an implementation independent of our server.
//
// The file is parsed once; every stream shares the same payloads, so
// hundreds of real-time streams cost little more than their sockets.
package load

import (
	"fmt"

	"github.com/rtmprecd/rtmprecd/flv"
)

// Frame is one audio or video message of a Clip.
type Frame struct {
	// Type is flv.TagAudio or flv.TagVideo.
	Type uint8
	// Time is the timestamp in milliseconds relative to the clip's start.
	Time uint32
	// Payload is the message body, shared by every stream: never modify it.
	Payload []byte
	// Header marks a sequence header sent before the media.
	Header bool
}

// Clip is an FLV file parsed for publishing.
type Clip struct {
	// Meta is the onMetaData script body (name and value, AMF0), sent once
	// per stream with @setDataFrame; nil when the file has none.
	Meta []byte
	// Headers are the sequence headers that precede the media of their
	// type, sent once per stream at time 0.
	Headers []Frame
	// Frames are the media messages of one pass, in file order.
	// End-of-sequence markers are left out: they would end the picture
	// in the middle of a looped stream.
	Frames []Frame
	// Period is the timestamp distance between two passes, so that a loop
	// continues the stream as if the file were longer: the end of the
	// latest track plus that track's last frame interval.
	Period uint32
	// Video and Audio count the media frames of one pass by type.
	Video, Audio int
	// Bytes is the payload size of one pass.
	Bytes int64
}

// ReadClip reads the FLV file at path with the strict reader and parses it
// for publishing. It fails if the file holds no audio or video frame.
func ReadClip(path string) (*Clip, error) {
	f, err := flv.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load: read clip: %w", err)
	}
	c, err := NewClip(f.Tags)
	if err != nil {
		return nil, fmt.Errorf("load: clip %s: %w", path, err)
	}
	return c, nil
}

// NewClip builds a Clip from FLV tags in file order. Timestamps are made
// relative to the smallest audio or video timestamp.
func NewClip(tags []flv.Tag) (*Clip, error) {
	c := &Clip{}
	base, found := uint32(0), false
	for i := range tags {
		if t := &tags[i]; t.Type != flv.TagScript && (!found || t.Timestamp < base) {
			base, found = t.Timestamp, true
		}
	}
	var seen [2]bool // media of audio, video seen
	var last, gap [2]uint32
	for i := range tags {
		t := &tags[i]
		if t.Type == flv.TagScript {
			if name, _, err := t.Metadata(); err == nil && name == "onMetaData" && c.Meta == nil {
				c.Meta = t.Data
			}
			continue
		}
		if t.Type != flv.TagAudio && t.Type != flv.TagVideo || t.IsEndOfSeq() || len(t.Data) == 0 {
			continue
		}
		fr := Frame{Type: t.Type, Time: t.Timestamp - base, Payload: t.Data}
		k := trackIndex(t.Type)
		if t.IsSeqHeader() && !seen[k] {
			c.Headers = append(c.Headers, Frame{Type: fr.Type, Payload: fr.Payload, Header: true})
			continue
		}
		if seen[k] && fr.Time > last[k] {
			gap[k] = fr.Time - last[k]
		}
		seen[k], last[k] = true, fr.Time
		c.add(fr)
	}
	if len(c.Frames) == 0 {
		return nil, fmt.Errorf("no audio or video frames")
	}
	for k := range seen {
		if seen[k] {
			c.Period = max(c.Period, last[k]+max(gap[k], 1))
		}
	}
	return c, nil
}

func (c *Clip) add(fr Frame) {
	c.Frames = append(c.Frames, fr)
	c.Bytes += int64(len(fr.Payload))
	if fr.Type == flv.TagVideo {
		c.Video++
	} else {
		c.Audio++
	}
}

func trackIndex(typ uint8) int {
	if typ == flv.TagVideo {
		return 1
	}
	return 0
}
