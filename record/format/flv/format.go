// Package flv is the FLV container behind the recorder's format
// interface (record/format): tags copied byte for byte from the
// publisher's messages, through a buffer of whole tags, with an
// onMetaData tag reserved at open and patched at close (duration, sizes,
// codecs and a keyframes index that players seek with), and append after
// the last valid tag of an existing file.
//
// FLV carries new sequence headers in band, so a codec parameter change
// does not need a new file; its 32-bit timestamps limit a file to about
// 49.7 days.
package flv

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// Format is the FLV format.
type Format struct{}

var _ format.Format = Format{}

// Caps: every codec FLV and Enhanced RTMP signal (the tags are copied as
// they came), parameters in band, append, 32-bit millisecond timestamps.
func (Format) Caps() format.Caps {
	return format.Caps{Name: "flv", Suffix: ".flv", Carries: func(*media.Track) bool { return true },
		Append: true, MaxTimestamp: maxTS}
}

// Open starts writing s: a new file gets the FLV header and the reserved
// onMetaData tag; with o.Append an existing file is validated and
// continued after its last whole tag.
func (Format) Open(s format.Sink, o format.Options) (format.Opened, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	opts := appendOpts{flvOptions: newOptions(o)}
	if o.Append {
		var err error
		if opts, err = appendOptions(s, o.Path, opts.flvOptions, o.Log); err != nil {
			s.Close()
			return format.Opened{}, err
		}
	}
	w, err := newFLVWriter(s, opts.flvOptions)
	if err != nil {
		s.Close()
		return format.Opened{}, err
	}
	return format.Opened{Muxer: w, Shift: opts.shift, Appended: opts.offset > 0}, nil
}

// newOptions are a new file's writer options: buffering, and the
// onMetaData room sized from what is known now. Index room is reserved
// only when the recorder records video and the stream has shown video (a
// sequence header or a frame) or announced it in its onMetaData: an
// audio-only file gets a small room.
func newOptions(o format.Options) flvOptions {
	fields := fieldsFromCodec(o.Codec)
	e := 0
	if o.Video && (o.Codec.HasVideo() || fields.announcedVideo) {
		e = min(o.ExpectKeys, maxIndex)
	}
	return flvOptions{limit: o.Buffer, period: o.FlushPeriod, now: o.Now, fsync: o.Fsync,
		meta: &metaPlan{fields: fields, reserve: reserveFor(&fields, e), index: newKeyIndex(maxIndex, e)}}
}

// appendOpts are the writer options for an appended file.
type appendOpts struct {
	flvOptions
	shift int64
}

// appendOptions validates an existing file for record_append, which must
// never overwrite what the file holds: a torn
// last tag is cut off; a file that is not FLV, or is damaged before its
// tail, is left as it is and refused (format.ErrNotAppendable: the next
// name is used). Our own files keep their reserved metadata and index;
// other FLV files are appended to without metadata.
func appendOptions(s format.Sink, p string, base flvOptions, log *slog.Logger) (appendOpts, error) {
	size, err := s.Seek(0, io.SeekEnd)
	if err != nil {
		return appendOpts{}, err
	}
	ap, err := findAppendPoint(s, size)
	var damaged *damageError
	if errors.As(err, &damaged) {
		log.Warn("record: not appending to a damaged file, using the next name", "path", p, "offset", damaged.at, "err", err)
		return appendOpts{}, format.ErrNotAppendable
	}
	if err != nil {
		log.Warn("record: not appending to a file that is not FLV, using the next name", "path", p, "err", err)
		return appendOpts{}, format.ErrNotAppendable
	}
	if ap.torn > 0 || (ap.offset == 0 && size > 0) {
		log.Warn("record: cutting a torn tail before appending", "path", p, "size", size, "cut", size-ap.offset)
		if err := s.Truncate(ap.offset); err != nil {
			return appendOpts{}, fmt.Errorf("truncate torn tail: %w", err)
		}
	}
	o := appendOpts{flvOptions: base, shift: ap.shift}
	o.offset, o.flags = ap.offset, ap.flags
	switch {
	case ap.offset == 0:
		// a new file, with base's metadata plan
	case ap.ours != nil && base.meta != nil:
		m := base.meta
		m.reserve, m.at, m.lastTS = ap.ours.reserve, ap.ours.at, ap.ours.lastTS
		m.index = ap.ours.index
	default:
		if base.meta != nil {
			log.Warn("record: appending to a file without room for metadata: it gets no onMetaData", "path", p)
		}
		o.meta = nil
	}
	return o, nil
}
