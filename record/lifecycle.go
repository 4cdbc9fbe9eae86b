package record

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// open creates the node's next file. On failure it logs the path and
// errno, notifies the publisher and marks the node failed; automatic and
// started manual recorders retry at a break frame after retryDelay.
func (n *node) open() error {
	now := n.now()
	o, err := openFile(n.rec, n.h.key.name, now, &n.hint, n.log)
	if err != nil {
		n.failed, n.failedAt = true, now
		n.log.Error("record: open failed", "path", o.path, "errno", errnoOf(err), "err", err)
		n.notify("warning", "NetStream.Record.Failed")
		return fmt.Errorf("record %s/%s: %w", n.h.key.app, n.h.key.name, err)
	}
	n.file = file{
		w:        o.w,
		path:     o.path,
		opened:   now,
		shift:    o.shift,
		audioHdr: n.audioHdr[:0],
		videoHdr: n.videoHdr[:0],
	}
	n.failed, n.stopped, n.lastOpen = false, false, now
	n.log.Info("record: file opened", "path", o.path, "append", o.appended)
	n.notify("status", "NetStream.Record.Start")
	return nil
}

// close finishes the open file, if any, and queues its Event. err is the
// failure that ends the file (ReasonError), or nil.
func (n *node) close(r Reason, err error) {
	if n.w == nil {
		return
	}
	size := n.w.Size()
	if cerr := n.w.Close(); cerr != nil {
		n.log.Error("record: close failed", "path", n.path, "errno", errnoOf(cerr), "err", cerr)
		err = errors.Join(err, cerr)
	}
	if err != nil {
		n.notify("warning", "NetStream.Record.Failed")
	}
	n.notify("status", "NetStream.Record.Stop")
	end := n.now()
	ev := Event{
		Recorder: n.rec.Name, Config: n.rec,
		App: n.h.key.app, Name: n.h.key.name, Args: n.h.args,
		Session: n.h.sid, Connect: n.h.conn,
		Path: n.path, Size: size,
		VideoFrames: n.vframes, AudioFrames: n.aframes,
		FirstTime: n.first, LastTime: n.last,
		Duration: time.Duration(n.last-n.first) * time.Millisecond,
		Start:    n.opened, End: end,
		Reason: r, Err: err,
	}
	n.h.done = append(n.h.done, ev)
	n.log.Info("record: file closed", "path", n.path, "size", size,
		"video", n.vframes, "audio", n.aframes, "duration", ev.Duration, "reason", string(r))
	n.file = file{audioHdr: n.audioHdr[:0], videoHdr: n.videoHdr[:0]}
}

// fail ends the file after a write error; the writer has already cut the
// file back to its last complete tag.
func (n *node) fail(err error) {
	n.log.Error("record: write failed", "path", n.path, "errno", errnoOf(err), "err", err)
	n.close(ReasonError, err)
	n.failed, n.failedAt = true, n.now()
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
