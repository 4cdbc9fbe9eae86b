package playback

import (
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// Sample flags of trun entries (ISO/IEC 14496-12 8.8.3.1).
const (
	flagsSync    = 0x02000000
	flagsNonSync = 0x01010000
)

// fragTarget is the longest fragment of an audio-only export; video
// fragments are cut at key frames.
const fragTarget = 2000

// mp4Tracks maps the plan's tracks; video first.
func mp4Tracks(v, a *media.Track) ([]*mp4box.Track, error) {
	var out []*mp4box.Track
	for _, t := range []*media.Track{v, a} {
		if t == nil {
			continue
		}
		m, err := mp4box.Map(t, uint32(len(out)+1))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// fragWriter writes movie fragments as the walk hands samples.
type fragWriter struct {
	w      io.Writer
	tracks []*mp4box.Track
	video  *mp4box.Track
	frag   [2][]Out // per track index
	last   [2]int64 // last sample duration per track
	seq    uint32
	moof   []byte
	cp     *copier
}

// WriteFMP4 writes the plan as a fragmented MP4 to w as it reads it.
func (p *Plan) WriteFMP4(w io.Writer) (Walked, error) {
	tracks, err := mp4Tracks(p.Video, p.Audio)
	if err != nil {
		return Walked{}, err
	}
	init, err := mp4box.BuildInit(tracks)
	if err != nil {
		return Walked{}, err
	}
	if _, err := w.Write(init.Bytes); err != nil {
		return Walked{}, err
	}
	defer p.Close()
	f := &fragWriter{w: w, tracks: tracks, cp: newCopier(w)}
	if p.Video != nil {
		f.video = tracks[0]
	}
	wk, err := p.Walk(f.add)
	if err == nil {
		err = f.flush()
	}
	return wk, err
}

func (f *fragWriter) index(o *Out) int {
	if o.Video || f.video == nil {
		return 0
	}
	return 1
}

// add queues a sample, first writing the fragment it closes.
func (f *fragWriter) add(o *Out) error {
	if f.cut(o) {
		if err := f.flush(); err != nil {
			return err
		}
	}
	i := f.index(o)
	f.frag[i] = append(f.frag[i], *o)
	return nil
}

// cut: a video key frame starts a fragment; audio alone every fragTarget.
func (f *fragWriter) cut(o *Out) bool {
	if f.video != nil {
		return o.Video && o.Key && len(f.frag[0]) > 0
	}
	q := f.frag[0]
	return len(q) > 0 && o.DTS-q[0].DTS >= fragTarget
}

// flush writes the queued fragment: moof, mdat header, then the payloads
// read from the sources.
func (f *fragWriter) flush() error {
	var data int64
	size := 8 + 16
	for i := range f.tracks {
		if n := len(f.frag[i]); n > 0 {
			size += 8 + 16 + 20 + 20 + 16*n
		}
		for _, o := range f.frag[i] {
			data += int64(o.Size)
		}
	}
	if size == 24 {
		return nil
	}
	f.seq++
	b := appendBox(f.moof[:0], size, "moof")
	b = appendBox(b, 16, "mfhd")
	b = be.AppendUint32(be.AppendUint32(b, 0), f.seq)
	off := int64(size + 16)
	for i, t := range f.tracks {
		b = f.traf(b, i, t, off)
		for _, o := range f.frag[i] {
			off += int64(o.Size)
		}
	}
	b = be.AppendUint32(b, 1)
	b = append(b, "mdat"...)
	b = be.AppendUint64(b, uint64(16+data))
	f.moof = b
	if _, err := f.w.Write(b); err != nil {
		return err
	}
	for i := range f.tracks {
		for _, o := range f.frag[i] {
			if err := f.cp.add(o.R, o.Off, o.Size); err != nil {
				return err
			}
		}
		f.frag[i] = f.frag[i][:0]
	}
	return f.cp.flush()
}

// traf appends one track's traf (none without samples); dataOff is its
// first payload byte from the moof start.
func (f *fragWriter) traf(b []byte, i int, t *mp4box.Track, dataOff int64) []byte {
	q := f.frag[i]
	n := len(q)
	if n == 0 {
		return b
	}
	per := t.PerMS()
	b = appendBox(b, 8+16+20+20+16*n, "traf")
	b = appendBox(b, 16, "tfhd")
	b = be.AppendUint32(be.AppendUint32(b, 0x020000), t.ID) // default-base-is-moof
	b = appendBox(b, 20, "tfdt")
	b = be.AppendUint64(be.AppendUint32(b, 1<<24), uint64(q[0].DTS*per))
	b = appendBox(b, 20+16*n, "trun")
	b = be.AppendUint32(b, 1<<24|0x000f01) // version 1; offset, duration, size, flags, cts
	b = be.AppendUint32(be.AppendUint32(b, uint32(n)), uint32(dataOff))
	for k, o := range q {
		dur := f.last[i]
		if k+1 < n {
			dur = q[k+1].DTS - o.DTS
			f.last[i] = dur
		}
		flags := uint32(flagsSync)
		if o.Video && !o.Key {
			flags = flagsNonSync
		}
		b = be.AppendUint32(b, uint32(dur*per))
		b = be.AppendUint32(b, o.Size)
		b = be.AppendUint32(b, flags)
		b = be.AppendUint32(b, uint32(int64(o.CTS)*per))
	}
	return b
}

func appendBox(b []byte, size int, typ string) []byte {
	b = be.AppendUint32(b, uint32(size))
	return append(b, typ...)
}
