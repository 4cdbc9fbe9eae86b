package playback

import (
	"errors"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
)

// ErrCodecChange is returned by Source.Next where a file's codec
// parameters change: an export stops there.
var ErrCodecChange = errors.New("codec parameters change")

// errDamaged marks a file whose layout this package cannot read.
var errDamaged = errors.New("playback: unreadable recording")

// Sample is one access unit of a source: where its bytes are, not the
// bytes. Times are milliseconds on the source file's timeline.
type Sample struct {
	Video bool
	Key   bool // video key frame; every audio sample is a key
	DTS   int64
	CTS   int32 // composition offset (PTS - DTS)
	R     io.ReaderAt
	Off   int64 // the codec payload in R
	Size  uint32
}

// Source reads one recording's samples in decode order.
type Source interface {
	// Tracks is the codec state the recording starts with (nil: none).
	Tracks() (video, audio *media.Track)
	// Next returns the next sample; io.EOF after the last one, and
	// ErrCodecChange (wrapped) where the parameters change.
	Next() (Sample, error)
	Close() error
}

// ErrUnsupported marks codecs or layouts an export cannot carry (a codec
// the output format has no mapping for).
var ErrUnsupported = errors.New("not supported for export")
