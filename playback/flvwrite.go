package playback

import (
	"bufio"
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
)

// flvWriter writes FLV tags: the tag header and the codec's FLV body
// header are built here, the payload is copied from the source.
type flvWriter struct {
	w    *bufio.Writer
	v, a *media.Track
	hdr  []byte
	cp   *copier
}

// WriteFLV writes the plan as an FLV file to w as it reads it. Tracks
// need their FLV sequence start (every track from an FLV source has it;
// MP4 sources give AVC, HEVC and AAC).
func (p *Plan) WriteFLV(w io.Writer) (Walked, error) {
	for _, t := range []*media.Track{p.Video, p.Audio} {
		if t != nil && (t.Header == nil && t.NeedsHeader() || prefix(nil, t, true, 0) == nil) {
			return Walked{}, fmt.Errorf("%w: %v %s in FLV", ErrUnsupported, t.Kind, t.Codec)
		}
	}
	defer p.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	f := &flvWriter{w: bw, v: p.Video, a: p.Audio}
	f.cp = newCopier(bw)
	flags := byte(0)
	if p.Video != nil {
		flags |= 1
	}
	if p.Audio != nil {
		flags |= 4
	}
	bw.Write([]byte{'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0})
	for _, t := range []*media.Track{p.Video, p.Audio} {
		if t != nil && t.Header != nil {
			f.tag(typeOf(t), 0, t.Header, 0)
			bw.Write(be.AppendUint32(nil, 11+uint32(len(t.Header))))
		}
	}
	wk, err := p.Walk(f.add)
	if err == nil {
		err = f.cp.flush()
	}
	if err == nil {
		err = bw.Flush()
	}
	return wk, err
}

func typeOf(t *media.Track) uint8 {
	if t.Kind == media.KindVideo {
		return tagVideo
	}
	return tagAudio
}

// tag writes a tag of head followed by n payload bytes the copier adds.
func (f *flvWriter) tag(typ uint8, ts int64, head []byte, n uint32) error {
	size := uint32(len(head)) + n
	var h [11]byte
	h[0] = typ
	h[1], h[2], h[3] = byte(size>>16), byte(size>>8), byte(size)
	h[4], h[5], h[6], h[7] = byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24)
	if err := f.cp.flush(); err != nil {
		return err
	}
	f.w.Write(h[:])
	_, err := f.w.Write(head)
	return err
}

func (f *flvWriter) add(o *Out) error {
	t := f.a
	if o.Video {
		t = f.v
	}
	f.hdr = prefix(f.hdr[:0], t, o.Key, o.CTS)
	if err := f.tag(typeOf(t), o.DTS, f.hdr, o.Size); err != nil {
		return err
	}
	if err := f.cp.add(o.R, o.Off, o.Size); err != nil {
		return err
	}
	if err := f.cp.flush(); err != nil {
		return err
	}
	_, err := f.w.Write(be.AppendUint32(f.hdr[:0], 11+uint32(len(f.hdr))+o.Size))
	return err
}

// prefix appends the FLV body header of a coded frame of t; nil when t
// has a signalling this writer does not build (multichannel, ...).
func prefix(dst []byte, t *media.Track, key bool, cts int32) []byte {
	ft := byte(2)
	if key {
		ft = 1
	}
	switch {
	case t.Kind == media.KindVideo && t.FourCC == 0 && t.Codec == media.CodecAVC:
		return append(dst, ft<<4|7, 1, byte(cts>>16), byte(cts>>8), byte(cts))
	case t.Kind == media.KindVideo && t.FourCC != 0:
		dst = append(dst, 0x80|ft<<4|1)
		dst = be.AppendUint32(dst, uint32(t.FourCC))
		if t.Codec != media.CodecAVC && t.Codec != media.CodecHEVC {
			return dst // CodedFrames carries a composition time only for these
		}
		return append(dst, byte(cts>>16), byte(cts>>8), byte(cts))
	case t.Kind == media.KindAudio && t.FourCC != 0:
		return be.AppendUint32(append(dst, 9<<4|1), uint32(t.FourCC))
	case t.Kind == media.KindAudio && t.Codec == media.CodecAAC:
		return append(dst, t.SoundFlags, 1)
	case t.Kind == media.KindAudio:
		return append(dst, t.SoundFlags)
	}
	return nil
}
