package fmp4

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// appendTo continues the existing file s (record_append): when it scans
// as ours and the stream's tracks have the file's codec parameters, a
// torn tail or the old mfra is cut and new fragments follow the old ones
// on a continued timeline. Otherwise format.ErrNotAppendable, logged,
// and the file is left as it is.
func appendTo(s format.Sink, size int64, o format.Options) (format.Opened, error) {
	sc, err := Scan(s, size)
	if err != nil {
		o.Log.Warn("record: not appending to a file that is not a whole fMP4 recording, using the next name",
			"path", o.Path, "err", err)
		return format.Opened{}, format.ErrNotAppendable
	}
	entries, err := sameParams(sc, o)
	if err != nil {
		o.Log.Warn("record: not appending to an fMP4 file with other codec parameters, using the next name",
			"path", o.Path, "why", err)
		return format.Opened{}, format.ErrNotAppendable
	}
	if sc.Tail == TailTorn {
		o.Log.Warn("record: cutting a torn tail before appending", "path", o.Path, "size", size, "cut", size-sc.End)
	}
	if err := cutAt(s, sc.End); err != nil {
		return format.Opened{}, err
	}
	var zero [8]byte // unfinished again until close: a crash now is repaired at start
	if _, err := s.WriteAt(zero[:], sc.MvhdAt); err != nil {
		return format.Opened{}, fmt.Errorf("reset duration: %w", err)
	}
	m := Resume(s, sc, Options{Fsync: o.Fsync, Log: o.Log})
	m.existing = entries
	return format.Opened{Muxer: &file{m: m, s: s, log: o.Log, path: o.Path}, Shift: sc.EndMS(), Appended: true}, nil
}

// sameParams checks that the tracks of the stream that the recorder
// records and whose parameters are known at open (a track whose sequence
// start comes later is checked when it comes: addExisting) each have a
// track of the file with the same sample entry, and returns the file's
// entries.
func sameParams(sc *Scanned, o format.Options) ([][]byte, error) {
	var known []*media.Track
	if o.Codec != nil {
		if t := o.Codec.Video(); o.Video && t != nil && mp4box.Carries(t) && t.HasParams() {
			known = append(known, t)
		}
		if t := o.Codec.Audio(); o.Audio && t != nil && mp4box.Carries(t) && t.HasParams() {
			known = append(known, t)
		}
	}
	if len(known) == 0 {
		return nil, errors.New("no track of the stream has known parameters yet")
	}
	entries := make([][]byte, len(sc.Tracks))
	for i, st := range sc.Tracks {
		entries[i] = st.Entry
	}
	for _, t := range known {
		e, err := entryOf(t)
		if err != nil {
			return nil, err
		}
		if matching(sc.Tracks, t.Kind, e) < 0 {
			return nil, fmt.Errorf("no %v track of the file has the stream's parameters", t.Kind)
		}
	}
	return entries, nil
}

func entryOf(t *media.Track) ([]byte, error) {
	mt, err := mp4box.Map(t, 1)
	if err != nil {
		return nil, err
	}
	return mt.Entry()
}

// matching returns the index of the track of kind k with sample entry e.
func matching(ts []*ScannedTrack, k media.Kind, e []byte) int {
	for i, t := range ts {
		if t.Kind == k && bytes.Equal(t.Entry, e) {
			return i
		}
	}
	return -1
}

// addExisting maps a track of an appended file to the file's track of
// its kind with the same sample entry; ErrLateTrack when there is none
// (the track is left out, as a late track of a new file is).
func (m *Muxer) addExisting(t *media.Track) (int, error) {
	e, err := entryOf(t)
	if err != nil {
		return -1, err
	}
	for i, mt := range m.tracks {
		if mt.m.Kind == t.Kind && bytes.Equal(m.existing[i], e) {
			return i, nil
		}
	}
	return -1, ErrLateTrack
}

// openNew is Open for a new (or empty) file.
func openNew(s format.Sink, o format.Options) format.Opened {
	m := New(s, Options{Fsync: o.Fsync, Log: o.Log})
	return format.Opened{Muxer: &file{m: m, s: s, log: o.Log, path: o.Path}}
}

// existingSize is the size of the file under s, positioned at its end.
func existingSize(s format.Sink) (int64, error) {
	n, err := s.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, fmt.Errorf("size of the file to append to: %w", err)
	}
	return n, nil
}
