package fmp4

import (
	"errors"
	"log/slog"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// Format is the fragmented MP4 format behind the recorder's format
// interface.
type Format struct{}

var (
	_ format.Format = Format{}
	_ format.Tally  = (*file)(nil)
)

// Caps: the codecs with an MP4 sample entry; parameters stored once per
// file (in the initialization segment); append when they match.
func (Format) Caps() format.Caps {
	return format.Caps{Name: "fmp4", Suffix: ".mp4", Carries: mp4box.Carries, NewFileOnParamChange: true,
		Append: true, Repairable: true}
}

// Open starts a muxer on s; the initialization segment is written with
// the first fragment, once the tracks are known. With o.Append an
// existing file is continued (appendTo).
func (Format) Open(s format.Sink, o format.Options) (format.Opened, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if !o.Append {
		return openNew(s, o), nil
	}
	size, err := existingSize(s)
	if err == nil && size == 0 {
		return openNew(s, o), nil
	}
	var op format.Opened
	if err == nil {
		op, err = appendTo(s, size, o)
	}
	if err != nil {
		s.Close()
	}
	return op, err
}

// file is an open fMP4 recording: the muxer and its sink.
type file struct {
	m      *Muxer
	s      format.Sink
	tracks mp4box.Tracks
	log    *slog.Logger
	path   string
}

func (f *file) Write(s format.Sample) error {
	i, ok, decided := f.tracks.Known(s.Track)
	if !decided {
		var err error
		add := func() (int, error) { return f.m.AddTrack(s.Track) }
		if f.m.existing != nil {
			add = func() (int, error) { return f.m.addExisting(s.Track) }
		}
		if i, ok, err = f.tracks.Index(s.Track, add, ErrLateTrack, f.log, f.path); err != nil {
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

func (f *file) Size() int64  { return f.m.Size() }
func (f *file) Flush() error { return f.m.Flush() }

// Close writes the last fragment, the durations and the mfra, and closes
// the file.
func (f *file) Close() error { return errors.Join(f.m.Close(), f.s.Close()) }
