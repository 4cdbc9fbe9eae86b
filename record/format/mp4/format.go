package mp4

import (
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// Format is the progressive MP4 format behind the recorder's format
// interface.
type Format struct{}

var (
	_ format.Format = Format{}
	_ format.Tally  = (*file)(nil)
)

// Caps: the codecs with an MP4 sample entry; parameters stored once per
// file; no append (a new name instead).
func (Format) Caps() format.Caps {
	return format.Caps{Name: "mp4", Suffix: ".mp4", Carries: mp4box.Carries, NewFileOnParamChange: true,
		Repairable: true}
}

// JournalPath is the hidden journal beside a recording at p.
func JournalPath(p string) string { return recfile.Beside(p, ".journal") }

// Open writes the file's head and creates its journal; the moov room is
// sized for the least of the recorder's bounds (Room).
func (Format) Open(s format.Sink, o format.Options) (format.Opened, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	var create func() (*os.File, error)
	if o.Beside != nil {
		create = func() (*os.File, error) { return o.Beside(".journal") }
	}
	m, err := New(s, Options{Room: Room(o), Journal: JournalPath(o.Path), CreateJournal: create, Buffer: o.Buffer,
		Period: o.FlushPeriod, Now: o.Now, Fsync: o.Fsync, Log: o.Log})
	if err != nil {
		s.Close()
		return format.Opened{}, err
	}
	return format.Opened{Muxer: &file{m: m, s: s, log: o.Log, path: o.Path}}, nil
}

// Room sizes the moov room of a new file: the span's duration at the
// assumed frame rates of the kinds the recorder records (video only when
// the stream has shown it), or the span's frame count or size when
// less.
func Room(o format.Options) int64 {
	v, a := 0, 0
	if o.Video && o.Codec != nil && o.Codec.HasVideo() {
		v = DefaultVideoFPS
	}
	if o.Audio {
		a = DefaultAudioFPS
	}
	d := o.SpanDuration
	if d <= 0 {
		d = time.Hour
	}
	room := RoomFor(d, v, a)
	if o.SpanFrames > 0 {
		room = min(room, RoomForFrames(o.SpanFrames))
	}
	if o.SpanBytes > 0 {
		room = min(room, RoomForBytes(o.SpanBytes))
	}
	return room
}

// file is an open MP4 recording: the muxer and its sink.
type file struct {
	m      *Muxer
	s      format.Sink
	tracks mp4box.Tracks
	log    *slog.Logger
	path   string
	size   int64 // after Close
	closed bool
}

func (f *file) Write(s format.Sample) error {
	i, ok, decided := f.tracks.Known(s.Track)
	if !decided {
		var err error
		if i, ok, err = f.tracks.Index(s.Track, f.adder(s), nil, f.log, f.path); err != nil {
			return err
		}
	}
	if !ok {
		return nil
	}
	cts, sync, ok := mp4box.Sample(s.Unit, s.Key)
	if !ok {
		return nil
	}
	if err := f.m.Write(i, s.Time, cts, sync, s.Unit.Data); err != nil {
		return err
	}
	f.tracks.Stored(s.Track.Kind)
	return nil
}

// Stored returns the numbers of video and audio samples in the file.
func (f *file) Stored() (video, audio int64) { return f.tracks.Counts() }

// LeftOut reports whether a track of kind k was left out of the file.
func (f *file) LeftOut(k media.Kind) bool { return f.tracks.LeftOut(k) }

// adder adds s's track, journalling the FLV tag that defines it (its
// sequence start, or for codecs without one the frame) for repair.
func (f *file) adder(s format.Sample) func() (int, error) {
	return func() (int, error) {
		typ, body := media.TypeVideo, s.Track.Header
		if s.Track.Kind == media.KindAudio {
			typ = media.TypeAudio
		}
		if body == nil && s.Unit != nil {
			body = media.AppendTag(nil, s.Unit)
		}
		return f.m.AddTrack(s.Track, typ, body)
	}
}

func (f *file) Size() int64 {
	if f.closed {
		return f.size
	}
	return f.m.Size()
}

func (f *file) Flush() error { return f.m.Flush() }

// Close writes the moov (into its room, or after the media with one log
// line when it outgrew it) and closes the file.
func (f *file) Close() error {
	res, err := f.m.Close()
	f.size, f.closed = res.Size, true
	if res.Outgrew {
		f.log.Warn("record: the moov outgrew its room and went after the media (raise record_moov_room)",
			"path", f.path, "samples", res.Samples)
	}
	return errors.Join(err, f.s.Close())
}
