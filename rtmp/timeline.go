package rtmp

import (
	"errors"
	"fmt"
	"time"
)

// Timestamp jumps. Every consumer (recorders, callbacks, statistics) sees
// a publish's media on one timeline, and a publisher's clock can be wrong:
// an encoder restarts its clock mid-stream, or a hostile publisher jumps
// every frame 24.8 days ahead, which would make a recorder split at FLV's
// 32-bit limit on every other frame. The rule, per track (audio, video):
//
//   - A frame may step back from the track's previous frame by up to
//     jumpSlack, and step forward by up to jumpSlack plus the wall-clock
//     time since that frame arrived. A publisher that pauses and resumes
//     with timestamps that count the pause keeps its gap, and a genuine
//     long stream grows past 2^32 ms at the pace of the clock.
//   - A bigger step is a jump: the track's timeline is rebased so that the
//     frame lands one frame interval (the track's last step, at most a
//     second) after the previous one, and every later frame of the track
//     keeps the same shift. The first jump of a publish is logged at Warn,
//     the others at Debug.
//   - A track's first frame is checked against the other track's last
//     frame the same way, so a second track cannot start far away.
//   - A publish that jumps maxJumps times within jumpWindow media frames
//     is dropped, with one log line.
//
// Data messages (onMetaData, cue points) are not checked (encoders stamp
// them 0 mid-stream); they take the shift of the last media frame.
const (
	jumpSlack  = 10 * time.Second
	maxStep    = int64(time.Second / time.Millisecond)
	maxJumps   = 8
	jumpWindow = 1000
)

// errTimestampJumps drops a publisher whose timestamps keep jumping.
var errTimestampJumps = errors.New("timestamps keep jumping")

// trackClock is one track's place on the publish's timeline.
type trackClock struct {
	seen  bool
	in    int64     // the publisher's timestamp of the track's last frame
	out   int64     // the timestamp it was given
	step  int64     // out of the last frame minus out of the one before, ms
	shift int64     // out - in since the last rebase
	at    time.Time // when the last frame was read
}

// timeline places a publish's media frames on a sane timeline. It is used
// on the session goroutine only.
type timeline struct {
	track  [2]trackClock // audio, video
	shift  int64         // shift of the last media frame, for data messages
	frames uint64        // media frames so far
	jumps  [maxJumps]uint64
	njumps int // jumps so far; jumps holds the frame numbers of the last maxJumps
}

// jump describes one rebase, for the log.
type jump struct {
	track    string
	from, to int64 // the publisher's timestamps of the previous frame and of this one
	at       int64 // the timestamp this frame was given
}

// place returns the timestamp of a media frame of type typ (TypeAudio or
// TypeVideo) that the publisher stamped in, read at now. j is set when the
// frame jumped; err when the publish keeps jumping and must be dropped.
func (tl *timeline) place(typ uint8, in int64, now time.Time) (out int64, j *jump, err error) {
	k := 0
	if typ == TypeVideo {
		k = 1
	}
	tr := &tl.track[k]
	tl.frames++
	ref := tr
	if !tr.seen {
		ref = &tl.track[1-k]
	}
	if ref.seen && isJump(in-ref.in, now.Sub(ref.at)) {
		tr.shift = ref.out + max(ref.step, 1) - in
		j = &jump{track: trackName(typ), from: ref.in, to: in, at: in + tr.shift}
		err = tl.countJump()
	} else if !tr.seen && ref.seen {
		tr.shift = ref.shift
	}
	out = max(in+tr.shift, 0)
	if tr.seen {
		tr.step = min(max(out-tr.out, 0), maxStep)
	}
	tr.seen, tr.in, tr.out, tr.at = true, in, out, now
	tl.shift = tr.shift
	return out, j, err
}

// isJump reports whether a step of d ms, elapsed after the frame it
// steps from, is beyond what the rule allows.
func isJump(d int64, elapsed time.Duration) bool {
	slack := jumpSlack.Milliseconds()
	return d < -slack || d > slack+max(elapsed, 0).Milliseconds()
}

// countJump remembers a jump and fails when maxJumps of them fell within
// the last jumpWindow media frames.
func (tl *timeline) countJump() error {
	tl.jumps[tl.njumps%maxJumps] = tl.frames
	tl.njumps++
	if tl.njumps < maxJumps {
		return nil
	}
	oldest := tl.jumps[tl.njumps%maxJumps] // the maxJumps-th latest
	if n := tl.frames - oldest + 1; n <= jumpWindow {
		return fmt.Errorf("%w: %d jumps in %d media frames", errTimestampJumps, maxJumps, n)
	}
	return nil
}

// data returns the timestamp of a data message stamped in.
func (tl *timeline) data(in int64) int64 { return max(in+tl.shift, 0) }

func trackName(typ uint8) string {
	if typ == TypeVideo {
		return "video"
	}
	return "audio"
}
