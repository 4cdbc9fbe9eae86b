// Package format is the interface between the recorder's policy (package
// record: what goes into which file, when a file opens, splits and
// closes) and the containers that lay media out in files: one package per
// format under record/format (flv, mp4, fmp4; hls next).
//
// A Format declares what it can carry (Caps) and opens Muxers on files
// the recorder has created, named and locked. A Muxer is fed with the
// media package's tracks and access units (Sample), in file order, on
// the publisher's goroutine: it must not allocate per sample in steady
// state, and after a failed write its file must hold every complete
// sample before the failure (never a torn one).
package format

import (
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// ErrNotAppendable is returned by Open with Options.Append for an
// existing file the format will not append to (not its container,
// damaged before its tail, other codec parameters): the recorder leaves
// it as it is and uses the next free name.
var ErrNotAppendable = errors.New("file cannot be appended to")

// Caps is what a format can carry and do.
type Caps struct {
	// Name is the format's name in the configuration ("flv").
	Name string
	// Suffix is the default record_suffix of its files (".flv").
	Suffix string
	// Carries reports whether a track of this codec can be stored; a
	// recorder leaves the others out of the file.
	Carries func(t *media.Track) bool
	// NewFileOnParamChange: the container stores codec parameters once
	// per file (MP4, HLS), so a parameter change (media.ParamChange) ends
	// the file at that frame and the next file starts with it. FLV carries
	// new sequence headers in band.
	NewFileOnParamChange bool
	// Append: an existing file of the format can be continued
	// (record_append). Without it, record_append opens a new name.
	Append bool
	// Repairable: a file of the format left unfinished by a crash is
	// finished at the next start (record/repair), so the recorder marks a
	// file it writes (recfile.Mark) for a second daemon's repair to leave
	// alone.
	Repairable bool
	// MaxTimestamp is the largest timestamp (ms since the file's start)
	// the container can store; a recorder splits before it. 0: no limit.
	MaxTimestamp int64
	// Playlist is set for formats whose recording is a directory (HLS):
	// the name of its main file inside it ("index.m3u8"). The recorder
	// then creates the directory instead of a file, creates and locks the
	// stable lock file LockName inside it, and opens the muxer on that
	// lock file's sink with Options.Dir set.
	Playlist string
	// Refuses, when set, names codecs the format cannot carry that must
	// turn the recorder off for the stream (logged once) instead of being
	// left out: HLS with MPEG-TS segments and AV1 or VP9 video.
	Refuses func(t *media.Track) bool
}

// LockName is the stable file inside a directory recording that the
// recorder locks (F_OFD) for the recording's life: its main file is
// replaced by rename at every update, so it cannot carry the lock. Its
// hidden name marks the directory as one of ours (repair).
const LockName = recfile.DirLock

// Format is one container format.
type Format interface {
	Caps() Caps
	// Open starts a muxer on s, a file the recorder just created or, with
	// o.Append, an existing one to continue. On error s is closed.
	Open(s Sink, o Options) (Opened, error)
}

// Options are what a muxer needs to know at open.
type Options struct {
	Buffer      int           // bytes buffered before a write
	FlushPeriod time.Duration // longest time a sample stays buffered
	Now         func() time.Time
	Fsync       bool // record_fsync: make every flush durable
	// Codec is the stream's codec state at open: what the file's header
	// describes before its first samples.
	Codec *media.State
	// Video is set when the recorder records video (video or keyframes),
	// Audio when it records audio.
	Video, Audio bool
	// SpanDuration and SpanFrames bound a file's media, for muxers that
	// reserve room for an index up front: the longest media duration the
	// recorder lets a file reach (record_interval, else record_moov_room)
	// and its record_max_frames (0: unbounded).
	SpanDuration time.Duration
	SpanFrames   int64
	// SpanBytes is the recorder's record_max_size (0: unbounded): a file
	// that small cannot hold the sample tables of an hour.
	SpanBytes int64
	// ExpectKeys is how many video key frames the file is expected to
	// hold, from the recorder's limits and the stream's GOP, for muxers
	// that reserve room for an index up front.
	ExpectKeys int
	// Append asks to continue an existing file (record_append).
	Append bool
	// Path and Log are for the muxer's warnings (append repairs).
	Path string
	Log  *slog.Logger
	// Beside creates a new hidden companion of the file (a journal):
	// recfile.Beside(Path, ext), made in the file's directory through the
	// recorder's handle, which follows no link. Only during Open. Nil: the
	// muxer creates it by path.
	Beside func(ext string) (*os.File, error)
	// Dir is the recording's directory, for formats with Caps.Playlist;
	// the muxer owns it from Open on and closes it at Close.
	Dir Dir
}

// Opened is a started muxer.
type Opened struct {
	Muxer Muxer
	// Shift is, for an appended file, the largest timestamp already in it:
	// the recorder writes after it.
	Shift int64
	// Appended is set when existing media was kept (record_append).
	Appended bool
}

// Sample is one access unit handed to a muxer, or a track's sequence
// start copied from the codec state at the start of a file.
type Sample struct {
	// Track is the unit's track (for a sequence start that changed
	// parameters, the new one). Never nil.
	Track *media.Track
	// Unit is the access unit; nil for a copy of Track's sequence start
	// (Track.Header, Track.Config) from the codec state. Unit.Tag is the
	// single-track FLV tag body it came in.
	Unit *media.Unit
	// Time is the sample's decode time in ms on the file's timeline
	// (≥ 0, after any append shift).
	Time int64
	// Key is set for video key frames.
	Key bool
}

// Muxer is one open output file. The recorder decides what goes into
// which file; a muxer only lays samples out.
type Muxer interface {
	// Write appends one sample; its bytes are valid only during the call.
	// On error the file has been cut back to its last complete sample,
	// later calls fail, and the recorder closes the muxer.
	Write(s Sample) error
	// Size is the file size in bytes so far, buffered samples included
	// (record_max_size); after Close, the finished file's size, indexes
	// written at close included (the record-done event).
	Size() int64
	// Flush writes buffered samples to the file (and, with Fsync, makes
	// them durable). Muxers flush by themselves when their buffer is full,
	// at video key frames and when a write finds the buffer older than
	// the flush period; the recorder calls Flush for streams that stall.
	// An error has the same meaning as Write's.
	Flush() error
	// Close finishes the file (headers, indexes) and closes it, which
	// releases a record_lock lock.
	Close() error
}

// Tally is implemented by muxers that store fewer samples than the
// recorder hands them: an MP4 has no place for a sequence end (ffmpeg
// sends one at the end of every H.264 publish), for frames before a
// track's parameters are known, or for a track that appeared after an
// fMP4's initialization segment. The record-done event takes its counts
// from here, so that they match the file.
type Tally interface {
	// Stored returns the numbers of video and audio samples in the file.
	Stored() (video, audio int64)
	// LeftOut reports whether the muxer refused a track of kind k
	// (media.KindVideo or media.KindAudio) that the recorder handed it.
	LeftOut(k media.Kind) bool
}
