package playback

import (
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
)

// maxMoov bounds a movie header read into memory: a progressive file's
// sample tables, about 20 bytes a sample, so 24 hours of 60 fps video
// with audio fit.
const maxMoov = 64 << 20

// trak is one track of a movie header.
type trak struct {
	id    uint32
	perMS int64 // timescale units per millisecond
	video bool
	track *media.Track
	stbl  []byte
	// startMS is where the track's first sample plays on the movie
	// timeline: an edit list's leading empty edit (a track that starts
	// after the other, as the recorder and our MP4 writer mark it).
	startMS int64
}

// readMoov finds the moov among the top-level boxes of r (size bytes)
// after the ftyp and returns its tracks and where it ends.
func readMoov(r io.ReaderAt, size int64) ([]*trak, int64, error) {
	for off := int64(0); off < size; {
		b, err := readBox(r, off, size)
		if err != nil {
			return nil, 0, err
		}
		if b.typ != "moov" {
			off = b.end()
			continue
		}
		if b.size > maxMoov {
			return nil, 0, fmt.Errorf("%w: moov of %d bytes", errDamaged, b.size)
		}
		buf := make([]byte, b.size-b.hdr)
		if _, err := r.ReadAt(buf, b.body()); err != nil {
			return nil, 0, fmt.Errorf("read moov: %w", err)
		}
		t, err := moovTracks(buf)
		return t, b.end(), err
	}
	return nil, 0, fmt.Errorf("%w: no moov", errDamaged)
}

// moovTracks reads the video and audio traks of a moov body; tracks of
// other handlers and codecs we cannot read are left out.
func moovTracks(b []byte) ([]*trak, error) {
	cs, err := children(b)
	if err != nil {
		return nil, err
	}
	movieScale := int64(0)
	if mvhd, ok := find(cs, "mvhd"); ok && len(mvhd.body) >= 24 {
		movieScale = int64(be.Uint32(mvhd.body[12:]))
		if mvhd.body[0] == 1 {
			movieScale = int64(be.Uint32(mvhd.body[20:]))
		}
	}
	var out []*trak
	for _, c := range cs {
		if c.typ != "trak" {
			continue
		}
		t, err := readTrak(c.body)
		if err != nil {
			return nil, err
		}
		if t != nil {
			t.startMS = emptyEditMS(c.body, movieScale)
			out = append(out, t)
		}
	}
	return out, nil
}

// emptyEditMS is the length in ms of a trak's leading empty edit (first
// elst entry with media time -1), 0 without one. Other edits (a media
// time into the track, rates) are not applied: the recorder writes none.
func emptyEditMS(trak []byte, movieScale int64) int64 {
	elst, ok := path(trak, "edts", "elst")
	if !ok || len(elst) < 8 || movieScale <= 0 || be.Uint32(elst[4:]) == 0 {
		return 0
	}
	var dur, mediaTime int64
	switch {
	case elst[0] == 1 && len(elst) >= 8+20:
		dur, mediaTime = int64(be.Uint64(elst[8:])), int64(be.Uint64(elst[16:]))
	case elst[0] == 0 && len(elst) >= 8+12:
		dur, mediaTime = int64(be.Uint32(elst[8:])), int64(int32(be.Uint32(elst[12:])))
	default:
		return 0
	}
	if mediaTime != -1 || dur <= 0 || dur > 1<<40 {
		return 0
	}
	return dur * 1000 / movieScale
}

func readTrak(b []byte) (*trak, error) {
	tkhd, ok := path(b, "tkhd")
	if !ok || len(tkhd) < 24 {
		return nil, fmt.Errorf("%w: no tkhd", errDamaged)
	}
	t := &trak{id: be.Uint32(tkhd[12:])}
	if tkhd[0] == 1 {
		if len(tkhd) < 32 {
			return nil, fmt.Errorf("%w: short tkhd", errDamaged)
		}
		t.id = be.Uint32(tkhd[20:])
	}
	mdhd, ok := path(b, "mdia", "mdhd")
	if !ok || len(mdhd) < 24 {
		return nil, fmt.Errorf("%w: no mdhd", errDamaged)
	}
	scale := be.Uint32(mdhd[12:])
	if mdhd[0] == 1 {
		scale = be.Uint32(mdhd[20:])
	}
	if scale == 0 || scale%1000 != 0 {
		return nil, fmt.Errorf("%w: timescale %d is not whole milliseconds", ErrUnsupported, scale)
	}
	t.perMS = int64(scale / 1000)
	hdlr, ok := path(b, "mdia", "hdlr")
	if !ok || len(hdlr) < 12 {
		return nil, fmt.Errorf("%w: no hdlr", errDamaged)
	}
	switch string(hdlr[8:12]) {
	case "vide":
		t.video = true
	case "soun":
	default:
		return nil, nil
	}
	if t.stbl, ok = path(b, "mdia", "minf", "stbl"); !ok {
		return nil, fmt.Errorf("%w: no stbl", errDamaged)
	}
	stsd, ok := path(t.stbl, "stsd")
	if !ok || len(stsd) < 8 {
		return nil, fmt.Errorf("%w: no stsd", errDamaged)
	}
	es, err := children(stsd[8:])
	if err != nil || len(es) != 1 {
		return nil, fmt.Errorf("%w: stsd without one sample entry", ErrUnsupported)
	}
	if t.track, err = entryTrack(es[0].typ, es[0].body); err != nil {
		return nil, err
	}
	return t, nil
}

// pick returns the first video and the first audio track.
func pick(ts []*trak) (v, a *trak) {
	for _, t := range ts {
		switch {
		case t.video && v == nil:
			v = t
		case !t.video && a == nil:
			a = t
		}
	}
	return v, a
}

func trackOf(t *trak) *media.Track {
	if t == nil {
		return nil
	}
	return t.track
}
