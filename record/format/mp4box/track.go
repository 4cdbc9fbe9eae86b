package mp4box

import (
	"errors"
	"fmt"

	"github.com/rtmprecd/rtmprecd/media"
)

// ErrUnmapped says a codec has no MP4 sample entry here (Speex,
// Nellymoser, ADPCM, G.711, PCM, legacy video codecs, VP8, VVC): the
// recorder leaves its track out of the file.
var ErrUnmapped = errors.New("no MP4 mapping for codec")

// errNoConfig says a codec that needs its configuration record has none
// that parsed.
var errNoConfig = errors.New("codec configuration missing or unparsed")

// Track is a media track as an MP4 track.
type Track struct {
	ID        uint32 // track_ID, from 1
	Kind      media.Kind
	Timescale uint32 // a multiple of 1000: ms timestamps stay exact
	Src       *media.Track
	Width     int
	Height    int
	// entry writes the sample entry (stsd's child).
	entry func(b *builder)
}

// PerMS is how many timescale units one millisecond is.
func (t *Track) PerMS() int64 { return int64(t.Timescale / 1000) }

// Map maps a track to its MP4 sample entry. The error wraps ErrUnmapped
// for a codec MP4 cannot carry here.
func Map(t *media.Track, id uint32) (*Track, error) {
	m := &Track{ID: id, Kind: t.Kind, Src: t, Width: t.Width, Height: t.Height}
	if t.Kind == media.KindVideo {
		m.Timescale = 90000
	} else {
		m.Timescale = audioTimescale(t)
	}
	var err error
	switch t.Codec {
	case media.CodecAVC:
		err = m.mapAVC(t)
	case media.CodecHEVC:
		err = m.mapHEVC(t)
	case media.CodecAV1:
		err = m.mapAV1(t)
	case media.CodecVP9:
		err = m.mapVP9(t)
	case media.CodecAAC:
		err = m.mapAAC(t)
	case media.CodecMP3, media.CodecMP38k:
		err = m.mapMP3(t)
	case media.CodecOpus:
		err = m.mapOpus(t)
	case media.CodecAC3:
		err = m.mapAC3(t)
	case media.CodecEAC3:
		err = m.mapEAC3(t)
	case media.CodecFLAC:
		err = m.mapFLAC(t)
	default:
		err = ErrUnmapped
	}
	if err != nil {
		return nil, fmt.Errorf("%v track (%s): %w", t.Kind, codecName(t), err)
	}
	return m, nil
}

func codecName(t *media.Track) string {
	if s := t.Codec.String(); s != "" {
		return s
	}
	if t.FourCC != 0 {
		return t.FourCC.String()
	}
	return fmt.Sprintf("id %d", t.LegacyID)
}

// audioTimescale is the sample rate when it is a whole number of
// kilohertz (48000, 32000, 16000, 8000: exact for both samples and
// milliseconds), else 1000. Opus is always 48000.
func audioTimescale(t *media.Track) uint32 {
	if t.Codec == media.CodecOpus {
		return 48000
	}
	if r := t.SampleRate; r > 0 && r%1000 == 0 && r <= 192000 {
		return uint32(r)
	}
	return 1000
}

// Entry returns the track's sample entry box as a file holds it, to
// compare with an existing file's (record_append).
func (t *Track) Entry() ([]byte, error) {
	b := newBuilder()
	t.entry(b)
	l, err := b.layout()
	if err != nil {
		return nil, err
	}
	return l.Bytes(), nil
}
