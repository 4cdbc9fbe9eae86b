package hls

import (
	"errors"
	"log/slog"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// Segment types (record_hls_segment_type).
const (
	SegmentFMP4   = "fmp4"
	SegmentMPEGTS = "mpegts"
)

// Defaults of record_hls_fragment and record_hls_max_fragment.
const (
	DefaultFragment = 6 * time.Second
	maxFragmentMul  = 3
)

// Format is HLS behind the recorder's format interface; its settings are
// the recorder's record_hls_* directives.
type Format struct {
	Segment     string        // SegmentFMP4 (default) or SegmentMPEGTS
	Fragment    time.Duration // a segment ends at the first video key frame after it; default 6s
	MaxFragment time.Duration // ... or here without one; default 3 × Fragment
}

var _ format.Format = Format{}

// Caps: a directory recording; parameters stored once per init segment
// (a change splits, as MP4); append continues the playlist after a
// discontinuity.
func (f Format) Caps() format.Caps {
	c := format.Caps{Name: "hls", Carries: mp4box.Carries, NewFileOnParamChange: true, Append: true, Playlist: PlaylistName}
	if f.Segment == SegmentMPEGTS {
		c.Carries, c.Refuses = tsCarries, tsRefuses
	}
	return c
}

// tsCarries reports whether MPEG-TS carries t here: H.264, HEVC, AAC,
// MPEG-1 audio (MP3) and Opus.
func tsCarries(t *media.Track) bool {
	switch t.Codec {
	case media.CodecAVC, media.CodecHEVC, media.CodecAAC, media.CodecOpus:
		return true
	case media.CodecMP3:
		return t.MP3 == nil || !t.MP3.MPEG2
	}
	return false
}

// tsRefuses reports whether t must turn the recorder off rather than be
// left out: video codecs with no MPEG-TS mapping (AV1, VP9) would leave
// an audio-only recording of a video stream.
func tsRefuses(t *media.Track) bool {
	return t.Codec == media.CodecAV1 || t.Codec == media.CodecVP9
}

// settings fills in the defaults.
func (f Format) settings() Format {
	if f.Segment == "" {
		f.Segment = SegmentFMP4
	}
	if f.Fragment <= 0 {
		f.Fragment = DefaultFragment
	}
	if f.MaxFragment <= 0 {
		f.MaxFragment = maxFragmentMul * f.Fragment
	}
	f.MaxFragment = max(f.MaxFragment, f.Fragment)
	return f
}

// Open starts a recording in o.Dir; s is the directory's lock file,
// closed (unlocked) at Close. With o.Append an existing playlist of ours
// is continued after a discontinuity.
func (f Format) Open(s format.Sink, o format.Options) (format.Opened, error) {
	if o.Dir == nil {
		s.Close()
		return format.Opened{}, errors.New("hls: a recording needs its directory (format.Options.Dir)")
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := newMuxer(f.settings(), s, o)
	if o.Append {
		shift, appended, err := m.resume()
		if err != nil {
			m.abandon()
			return format.Opened{}, err
		}
		return format.Opened{Muxer: m, Shift: shift, Appended: appended}, nil
	}
	return format.Opened{Muxer: m}, nil
}
