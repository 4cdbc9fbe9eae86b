package record

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// open creates the node's next file. On failure it logs the path and
// errno, notifies the publisher and marks the node failed; automatic and
// started manual recorders retry at a break frame after retryDelay.
func (n *node) open() error {
	now := n.now()
	sp := openSpec{format: n.fmt, opts: n.writerOptions(), wrap: n.h.m.sinkWrap(), log: n.log, files: &n.h.m.files, vars: &n.vars}
	o, err := openFile(n.rec, n.h.key.name, now, &n.hint, &sp)
	n.h.m.observeOpen(n.h.key.app, err)
	if err != nil {
		n.backOff(now, 0)
		n.log.Error("record: open failed", "path", o.path, "errno", errnoOf(err), "err", err, "retry", n.backoff)
		n.notify("warning", "NetStream.Record.Failed")
		return fmt.Errorf("record %s/%s: %w", n.h.key.app, n.h.key.name, err)
	}
	n.file = file{
		w:        o.w,
		path:     o.path,
		rel:      o.rel,
		root:     o.root,
		id:       o.id,
		created:  o.created,
		opened:   now,
		shift:    o.shift,
		boundary: n.alignedEnd(now),
		audioHdr: n.audioHdr[:0],
		videoHdr: n.videoHdr[:0],
	}
	n.failed, n.stopped, n.lastOpen = false, false, now
	n.log.Info("record: file opened", "path", o.path, "append", o.appended)
	n.fileEvent(FileOpened, now)
	n.carryEvents()
	n.h.m.segment(n.segmentOf(SegmentOpened, now))
	n.notify("status", "NetStream.Record.Start")
	return nil
}

// close finishes the open file, if any, and queues its Event. err is the
// failure that ends the file (ReasonError), or nil.
func (n *node) close(r Reason, err error) {
	if n.w == nil {
		return
	}
	cerr := n.w.Close()
	size := n.w.Size() // indexes written at close included
	if cerr != nil {
		n.log.Error("record: close failed", "path", n.path, "errno", errnoOf(cerr), "err", cerr)
		err = errors.Join(err, cerr)
	}
	n.h.m.files.release(n.id)
	if err != nil {
		n.notify("warning", "NetStream.Record.Failed")
	}
	n.notify("status", "NetStream.Record.Stop")
	if n.frames == 0 && n.created && n.removeEmpty(r) {
		n.h.m.observeRemoved(n.h.key.app, err != nil)
		return
	}
	n.tallyFromMuxer()
	end := n.now()
	ev := Event{
		Recorder: n.rec.Name, Config: n.rec,
		App: n.h.key.app, Name: n.h.key.name, Args: n.h.args,
		Session: n.h.sid, Connect: n.h.conn,
		Path: n.path, Playlist: n.playlist(), Size: size, Unmapped: n.unmappedKinds(),
		VideoFrames: n.vframes, AudioFrames: n.aframes,
		FirstTime: n.first, LastTime: n.last,
		Duration: time.Duration(n.last-n.first) * time.Millisecond,
		Start:    n.opened, End: end,
		Reason: r, Err: err,
	}
	n.h.done = append(n.h.done, pendingEvent{done: ev})
	seg := n.segmentOf(SegmentClosed, end)
	seg.Closed = &ev
	n.h.m.segment(seg)
	n.log.Info("record: file closed", "path", n.path, "size", size,
		"video", n.vframes, "audio", n.aframes, "duration", ev.Duration, "reason", string(r))
	n.file = file{audioHdr: n.audioHdr[:0], videoHdr: n.videoHdr[:0]}
}

// playlist is the path of the recording's playlist for a directory
// format (HLS), else "".
func (n *node) playlist() string {
	if n.caps.Playlist == "" {
		return ""
	}
	return filepath.Join(n.path, n.caps.Playlist)
}

// removeEmpty removes the file just closed, which this open created and
// which got no media frame (a manual start stopped before a key frame, a
// publisher that sent only sequence headers, a failure at the first
// frame): no file is left without media, and no record-done event tells
// of one. A file appended to is never removed. It reports whether the
// file is gone.
func (n *node) removeEmpty(r Reason) bool {
	remove := removeCreated
	if n.caps.Playlist != "" {
		remove = func(root, rel string, id fileID) error { return removeCreatedDir(root, rel, &id) }
	}
	if err := remove(n.root, n.rel, n.id); err != nil {
		n.log.Warn("record: could not remove a file without media", "path", n.path, "err", err)
		return false
	}
	n.log.Debug("record: removed a file without media", "path", n.path, "reason", string(r))
	n.fileEvent(FileDiscarded, n.now())
	n.h.m.segment(n.segmentOf(SegmentDiscarded, n.now()))
	n.file = file{audioHdr: n.audioHdr[:0], videoHdr: n.videoHdr[:0]}
	return true
}

// fail ends the file after a write error (ENOSPC, EIO, EFBIG, EDQUOT,
// ...); the writer has already cut the file back to its last complete
// tag. One log line per failed file; the next file is tried at a break
// frame after the back-off.
func (n *node) fail(err error) {
	now := n.now()
	n.backOff(now, now.Sub(n.opened))
	n.log.Error("record: write failed", "path", n.path, "errno", errnoOf(err), "err", err, "retry", n.backoff)
	n.close(ReasonError, err)
}

// backOff marks the node failed. The wait before the next attempt starts
// at retryDelay and doubles, up to maxRetryDelay, while attempts keep
// failing soon after they start (a disk that stays full); a file that
// lived longer than maxRetryDelay starts the wait over.
func (n *node) backOff(now time.Time, lived time.Duration) {
	if n.backoff == 0 || lived >= maxRetryDelay {
		n.backoff = retryDelay
	} else {
		n.backoff = min(2*n.backoff, maxRetryDelay)
	}
	n.failed, n.failedAt = true, now
}

// writerOptions are the settings of the node's next file: buffering, the
// codec state its header describes, and the key frames it is expected to
// hold (see expectKeyframes), from which a muxer sizes any index room.
func (n *node) writerOptions() format.Options {
	m := n.h.m
	return format.Options{Buffer: m.bufferSize(), FlushPeriod: m.flushPeriod(), Now: m.now, Fsync: n.rec.Fsync,
		Codec: n.h.src.Codec(), Video: n.keys, Audio: n.audio, ExpectKeys: expectKeyframes(n.rec, n.gop),
		SpanDuration: spanDuration(n.rec), SpanFrames: n.rec.MaxFrames, SpanBytes: n.rec.MaxSize}
}

// spanDuration is the longest media duration a new file is expected to
// reach: record_interval plus a minute (the split waits for a break
// frame) when that is less than record_moov_room, else record_moov_room.
func spanDuration(rec *conf.Recorder) time.Duration {
	d := rec.MoovRoom
	if rec.IntervalSet && rec.Interval > 0 {
		d = min(d, rec.Interval+time.Minute)
	}
	return d
}

// maxExpectKeys is the key frame estimate of a file without limits: a
// muxer's index over a longer file gets sparser (FLV keeps at most that
// many entries).
const maxExpectKeys = 4096

// expectKeyframes estimates how many keyframes a new file will hold,
// from its limits and the stream's last whole GOP: record_interval / GOP
// duration, record_max_frames / GOP frames, record_max_size / GOP bytes,
// whichever is least, plus a quarter and 4 for jitter; at most maxExpectKeys,
// which is also the estimate for a file without limits. Until a whole
// GOP has been seen it assumes 1 s, 1 frame and 4 KiB (more keyframes
// than any real stream: a generous first reserve).
func expectKeyframes(rec *conf.Recorder, g gopStats) int {
	e := int64(maxExpectKeys)
	if rec.IntervalSet {
		e = min(e, rec.Interval.Milliseconds()/cmp.Or(g.ms, 1000))
	}
	if rec.MaxFrames > 0 {
		e = min(e, rec.MaxFrames/cmp.Or(g.frames, 1))
	}
	if rec.MaxSize > 0 {
		e = min(e, rec.MaxSize/max(g.bytes, 4096))
	}
	return int(min(e+e/4+4, maxExpectKeys))
}

// start is Module.Start on this node; the hook's mutex is held.
func (n *node) start() (string, error) {
	if n.w != nil {
		return n.path, fmt.Errorf("record %s/%s: recorder %q: %w", n.h.key.app, n.h.key.name, n.rec.Name, ErrAlreadyRecording)
	}
	if err := n.open(); err != nil {
		return "", err
	}
	n.waitBreak = true
	n.manualOn = n.manual
	return n.path, nil
}

// stop is Module.Stop on this node; the hook's mutex is held.
func (n *node) stop() (string, error) {
	if n.manual {
		n.manualOn = false // also ends retrying after a failure
	}
	if n.w == nil {
		return "", fmt.Errorf("record %s/%s: recorder %q: %w", n.h.key.app, n.h.key.name, n.rec.Name, ErrNotRecording)
	}
	p := n.path
	n.close(ReasonStop, nil)
	n.stopped = !n.manual
	return p, nil
}

// notify queues an onStatus for the publisher when record_notify is on.
// Failures use level "warning": ffmpeg aborts the publish on "error".
func (n *node) notify(level, code string) {
	if n.rec.Notify {
		n.h.status = append(n.h.status, status{level, code, n.rec.Name})
	}
}

// errnoOf returns the errno inside err, or 0.
func errnoOf(err error) int {
	var en syscall.Errno
	if errors.As(err, &en) {
		return int(en)
	}
	return 0
}
