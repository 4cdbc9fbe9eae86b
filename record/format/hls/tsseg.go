package hls

import (
	"bufio"
	"errors"
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// tsOffset is added to every MPEG-TS timestamp (90 kHz): the writer
// sends the program clock 100 ms ahead of the decode time, which must not
// go below zero at the recording's start. Media time t ms is t+100 ms.
const tsOffset = 9000

// tsBuffer is the write buffer of a segment file: 188-byte packets reach
// the file in 64 KiB writes.
const tsBuffer = 64 << 10

// tsTrack is one track of an MPEG-TS recording.
type tsTrack struct {
	src *media.Track
	ts  *mpegts.Track
}

// tsSeg writes MPEG-TS segments with mediacommon's writer: one writer
// for the whole recording (continuity counters run on across segments),
// the program tables again at the start of every segment.
type tsSeg struct {
	r      *router
	bw     *bufio.Writer
	w      *mpegts.Writer
	tracks []tsTrack
	nalus  [][]byte
	one    [1][]byte
}

func newTSSeg(r *router) *tsSeg {
	return &tsSeg{r: r, bw: bufio.NewWriterSize(r, tsBuffer)}
}

func (s *tsSeg) addTrack(t *media.Track) (int, error) {
	if s.w != nil {
		return -1, errLate
	}
	c, err := tsCodec(t)
	if err != nil {
		return -1, err
	}
	s.tracks = append(s.tracks, tsTrack{src: t, ts: &mpegts.Track{Codec: c}})
	return len(s.tracks) - 1, nil
}

// tsCodec maps a track to its MPEG-TS codec; the error wraps
// mp4box.ErrUnmapped for a codec MPEG-TS does not carry here.
func tsCodec(t *media.Track) (mpegts.Codec, error) {
	switch t.Codec {
	case media.CodecAVC:
		if t.AVC == nil {
			return nil, fmt.Errorf("H.264 without a parsed configuration: %w", mp4box.ErrUnmapped)
		}
		return &mpegts.CodecH264{}, nil
	case media.CodecHEVC:
		if t.HEVC == nil {
			return nil, fmt.Errorf("HEVC without a parsed configuration: %w", mp4box.ErrUnmapped)
		}
		return &mpegts.CodecH265{}, nil
	case media.CodecAAC:
		var c mpeg4audio.AudioSpecificConfig
		if err := c.Unmarshal(t.Config); err != nil {
			return nil, fmt.Errorf("AAC configuration: %w (%w)", err, mp4box.ErrUnmapped)
		}
		return &mpegts.CodecMPEG4Audio{Config: c}, nil
	case media.CodecMP3:
		if t.MP3 != nil && t.MP3.MPEG2 {
			return nil, fmt.Errorf("MPEG-2 audio in MPEG-TS: %w", mp4box.ErrUnmapped)
		}
		return &mpegts.CodecMPEG1Audio{}, nil
	case media.CodecOpus:
		return &mpegts.CodecOpus{ChannelCount: max(t.Channels, 1)}, nil //nolint:staticcheck // the descriptor from the count
	}
	return nil, fmt.Errorf("%s in MPEG-TS: %w", t.Codec, mp4box.ErrUnmapped)
}

// start fixes the tracks at the first sample.
func (s *tsSeg) start() error {
	ts := make([]*mpegts.Track, len(s.tracks))
	for i, t := range s.tracks {
		ts[i] = t.ts
	}
	s.w = &mpegts.Writer{W: s.bw, Tracks: ts}
	if err := s.w.Initialize(); err != nil {
		return fmt.Errorf("mpegts: %w", err)
	}
	_, err := s.w.WriteTables()
	return err
}

func (s *tsSeg) begin() error {
	if s.w == nil {
		return nil
	}
	_, err := s.w.WriteTables()
	return err
}

func (s *tsSeg) write(i int, ms int64, cts int32, key bool, u *media.Unit) error {
	if s.w == nil {
		if err := s.start(); err != nil {
			return err
		}
	}
	t := s.tracks[i]
	dts := ms*90 + tsOffset
	pts := dts + int64(cts)*90
	s.one[0] = u.Data
	switch t.src.Codec {
	case media.CodecAVC:
		nalus, err := s.avc(t.src.AVC, u.Data, key)
		if err != nil {
			return nil // a malformed frame from the publisher is left out, not the recording
		}
		return s.w.WriteH264(t.ts, pts, dts, nalus)
	case media.CodecHEVC:
		nalus, err := s.hevc(t.src.HEVC, u.Data, key)
		if err != nil {
			return nil
		}
		return s.w.WriteH265(t.ts, pts, dts, nalus)
	case media.CodecAAC:
		return s.w.WriteMPEG4Audio(t.ts, pts, s.one[:])
	case media.CodecMP3:
		return s.w.WriteMPEG1Audio(t.ts, pts, s.one[:])
	case media.CodecOpus:
		return s.w.WriteOpus(t.ts, pts, s.one[:])
	}
	return nil
}

// avc splits a length-prefixed H.264 access unit into NAL units, with the
// parameter sets before a key frame that lacks them (a TS segment must
// decode on its own).
func (s *tsSeg) avc(c *media.AVCConfig, data []byte, key bool) ([][]byte, error) {
	if err := s.split(data, c.LengthSize); err != nil {
		return nil, err
	}
	if key && !s.has(func(b []byte) bool { return b[0]&0x1f == 7 }) {
		s.prepend(c.SPS, c.PPS)
	}
	return s.nalus, nil
}

func (s *tsSeg) hevc(c *media.HEVCConfig, data []byte, key bool) ([][]byte, error) {
	if err := s.split(data, c.LengthSize); err != nil {
		return nil, err
	}
	if key && !s.has(func(b []byte) bool { return b[0]>>1&0x3f == 33 }) {
		s.prepend(c.VPS, c.SPS, c.PPS)
	}
	return s.nalus, nil
}

var errNALU = errors.New("hls: malformed length-prefixed NAL unit")

// split reads length-prefixed NAL units into s.nalus.
func (s *tsSeg) split(b []byte, size int) error {
	if size < 1 || size > 4 {
		size = 4
	}
	s.nalus = s.nalus[:0]
	for len(b) > 0 {
		if len(b) < size {
			return errNALU
		}
		n := 0
		for _, c := range b[:size] {
			n = n<<8 | int(c)
		}
		b = b[size:]
		if n == 0 || n > len(b) {
			return errNALU
		}
		s.nalus = append(s.nalus, b[:n])
		b = b[n:]
	}
	if len(s.nalus) == 0 {
		return errNALU
	}
	return nil
}

func (s *tsSeg) has(is func([]byte) bool) bool {
	for _, n := range s.nalus {
		if is(n) {
			return true
		}
	}
	return false
}

// prepend puts parameter sets before the NAL units.
func (s *tsSeg) prepend(sets ...[][]byte) {
	k := 0
	for _, set := range sets {
		k += len(set)
	}
	s.nalus = append(s.nalus, make([][]byte, k)...)
	copy(s.nalus[k:], s.nalus[:len(s.nalus)-k])
	i := 0
	for _, set := range sets {
		i += copy(s.nalus[i:], set)
	}
}

func (s *tsSeg) flush() error            { return s.bw.Flush() }
func (s *tsSeg) finish(int, int64) error { return s.bw.Flush() }
func (s *tsSeg) pending() int64          { return int64(s.bw.Buffered()) }
func (s *tsSeg) ext() string             { return ".ts" }
