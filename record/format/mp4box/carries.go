package mp4box

import (
	"errors"
	"log/slog"

	"github.com/rtmprecd/rtmprecd/media"
)

// Carries reports whether MP4 has a sample entry here for t's codec;
// Map may still fail later for a track whose configuration does not parse.
func Carries(t *media.Track) bool {
	switch t.Codec {
	case media.CodecAVC, media.CodecHEVC, media.CodecAV1, media.CodecVP9, media.CodecAAC, media.CodecMP3,
		media.CodecMP38k, media.CodecOpus, media.CodecAC3, media.CodecEAC3, media.CodecFLAC:
		return true
	}
	return false
}

// Tracks maps a recording's tracks (one per kind: the recorder writes a
// stream's default tracks) to a muxer's track indexes, adding each once
// its parameters are known.
type Tracks struct {
	idx    [3]int   // by media.Kind: muxer track index + 1; 0 none yet
	skip   [3]bool  // by media.Kind: refused by the muxer, left out
	stored [3]int64 // by media.Kind: samples the muxer stored
}

// Stored counts a sample of kind k that the muxer stored.
func (ts *Tracks) Stored(k media.Kind) { ts.stored[k]++ }

// Counts returns the numbers of video and audio samples stored.
func (ts *Tracks) Counts() (video, audio int64) {
	return ts.stored[media.KindVideo], ts.stored[media.KindAudio]
}

// LeftOut reports whether a track of kind k was refused.
func (ts *Tracks) LeftOut(k media.Kind) bool { return k < 3 && ts.skip[k] }

// Known returns t's muxer track once decided: mapped (ok) or left out
// (!ok). Muxers call it first, so that the steady state builds no
// closure for Index.
func (ts *Tracks) Known(t *media.Track) (i int, ok, decided bool) {
	k := t.Kind
	if k != media.KindAudio && k != media.KindVideo || ts.skip[k] {
		return 0, false, true
	}
	return ts.idx[k] - 1, ts.idx[k] > 0, ts.idx[k] > 0
}

// Index returns t's muxer track, adding it with add the first time its
// parameters are known (a sequence start, or a parsed frame for codecs
// without one). ok false leaves the sample out: the parameters are not
// known yet, or the muxer refused the track (ErrUnmapped, a late fMP4
// track; logged once). Other errors of add are returned.
func (ts *Tracks) Index(t *media.Track, add func() (int, error), refused error, log *slog.Logger, path string) (int, bool, error) {
	k := t.Kind
	if k != media.KindAudio && k != media.KindVideo || ts.skip[k] {
		return 0, false, nil
	}
	if ts.idx[k] > 0 {
		return ts.idx[k] - 1, true, nil
	}
	if !t.HasParams() && Carries(t) {
		return 0, false, nil
	}
	i, err := add()
	switch {
	case errors.Is(err, ErrUnmapped) || refused != nil && errors.Is(err, refused):
		ts.skip[k] = true
		log.Warn("record: track left out of the MP4", "path", path, "err", err)
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	ts.idx[k] = i + 1
	return i, true, nil
}

// Sample returns what a muxer stores of a coded frame: its composition
// offset in ms and whether it is a sync sample (video key frames, every
// audio frame). ok false for anything else (a sequence start or end).
func Sample(u *media.Unit, key bool) (cts int32, sync bool, ok bool) {
	if u == nil || u.Packet != media.PacketFrame {
		return 0, false, false
	}
	return int32(u.PTS - u.DTS), key || u.Key, true
}
