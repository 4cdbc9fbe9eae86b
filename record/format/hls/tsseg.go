package hls

import (
	"bytes"
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// tsOffset is added to every MPEG-TS timestamp (90 kHz): the program
// clock runs pcrLead behind the decode time, and neither may go below
// zero at the recording's start. Media time t ms is t+100 ms.
const tsOffset = 9000

// pcrLead is how far the program clock runs behind the decode times
// (100 ms, as mediacommon's writer does): a decoder holds a frame that
// long before it is due.
const pcrLead = 9000

// PES stream_ids (ISO/IEC 13818-1, table 2-22): the first video and
// MPEG audio stream numbers; Opus is private_stream_1 (ETSI TS 102 366
// annex, as ffmpeg writes it; mediacommon's writer says MPEG audio).
const (
	streamIDVideo   = 0xe0
	streamIDAudio   = 0xc0
	streamIDPrivate = 0xbd
)

// tsTrack is one track of an MPEG-TS recording.
type tsTrack struct {
	src  *media.Track
	ts   *mpegts.Track // its program table entry
	pes  pesStream
	adts [7]byte // AAC: the track's ADTS header, frame length filled per frame
	hdr  [7]byte // AAC: the ADTS header of the frame being written
}

// tsSeg writes MPEG-TS segments: the program tables through mediacommon
// at the start of every segment, the media through our packetizer. One
// writer runs for the whole recording, so continuity counters go on
// across segments.
type tsSeg struct {
	out     tsOut
	tables  *mpegts.Writer
	tracks  []tsTrack
	pcr     int      // the track whose packets carry the program clock
	nalus   [][]byte // scratch: the NAL units of a video access unit
	chunks  [][]byte // scratch: the pieces of a PES payload
	scratch []byte   // scratch: an Opus access unit

	held      []heldSample // samples before the program was fixed
	heldBytes int
}

func newTSSeg(r *router) *tsSeg {
	return &tsSeg{out: newTSOut(r)}
}

func (s *tsSeg) addTrack(t *media.Track) (int, error) {
	if s.tables != nil {
		return -1, errLate
	}
	c, err := tsCodec(t)
	if err != nil {
		return -1, err
	}
	tt := tsTrack{src: t, ts: &mpegts.Track{Codec: c}, pes: pesStream{sid: streamIDAudio}}
	switch {
	case t.Kind == media.KindVideo:
		tt.pes.sid = streamIDVideo
	case t.Codec == media.CodecOpus:
		tt.pes.sid = streamIDPrivate
	}
	if a, ok := c.(*mpegts.CodecMPEG4Audio); ok {
		if tt.adts, err = adtsHeader(a.Config); err != nil {
			return -1, fmt.Errorf("AAC in MPEG-TS: %w (%w)", err, mp4box.ErrUnmapped)
		}
	}
	s.tracks = append(s.tracks, tt)
	return len(s.tracks) - 1, nil
}

// adtsHeader is the ADTS header of an AAC track (its frame length is
// filled per frame), made by mediacommon from the track's configuration:
// an error when ADTS cannot carry it.
func adtsHeader(c mpeg4audio.AudioSpecificConfig) ([7]byte, error) {
	var h [7]byte
	b, err := mpeg4audio.ADTSPackets{{Type: c.Type, SampleRate: c.SampleRate, ChannelConfig: c.ChannelConfig,
		ChannelCount: c.ChannelCount, AU: nil}}.Marshal() //nolint:staticcheck // ChannelCount: as the configuration has it
	if err != nil {
		return h, err
	}
	copy(h[:], b)
	return h, nil
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

// start fixes the tracks at the first sample. The program clock rides
// on the first video track (the first track without video): mediacommon
// names the first track it is given as the PCR_PID, so that one goes
// first.
func (s *tsSeg) start() error {
	s.pcr = 0
	for i, t := range s.tracks {
		if t.src.Kind == media.KindVideo {
			s.pcr = i
			break
		}
	}
	ts := []*mpegts.Track{s.tracks[s.pcr].ts}
	for i, t := range s.tracks {
		if i != s.pcr {
			ts = append(ts, t.ts)
		}
	}
	s.tables = &mpegts.Writer{W: &s.out, Tracks: ts}
	if err := s.tables.Initialize(); err != nil {
		return fmt.Errorf("mpegts: %w", err)
	}
	for i := range s.tracks {
		s.tracks[i].pes.pid = s.tracks[i].ts.PID
	}
	return s.begin()
}

// begin puts the program tables at the start of a segment, so that it
// plays on its own.
func (s *tsSeg) begin() error {
	if s.tables == nil {
		return nil
	}
	if _, err := s.tables.WriteTables(); err != nil {
		return fmt.Errorf("mpegts tables: %w", err)
	}
	return nil
}

func (s *tsSeg) write(i int, ms int64, cts int32, key bool, u *media.Unit) error {
	if s.tables == nil {
		s.held = append(s.held, heldSample{i: i, ms: ms, cts: cts, key: key, data: bytes.Clone(u.Data)})
		s.heldBytes += len(u.Data)
		if !s.programComplete(ms) {
			return nil
		}
		return s.release()
	}
	return s.writeSample(i, ms, cts, key, u.Data)
}

// The program table cannot list a track after the first segment's
// tables, and an FLV stream names its tracks only as they come (MP3 has
// no sequence start: its track appears with its first frame, after the
// first video frames). So the first samples are held until there are a
// video and an audio track, or for up to holdMS of media (holdBytes at
// most), as the first fMP4 fragment holds them.
const (
	holdMS    = 1000
	holdBytes = 8 << 20
)

// heldSample is a sample that came before the program was fixed.
type heldSample struct {
	i    int
	ms   int64
	cts  int32
	key  bool
	data []byte
}

// programComplete says the tracks can be fixed at the sample at ms.
func (s *tsSeg) programComplete(ms int64) bool {
	var kinds [3]bool
	for _, t := range s.tracks {
		kinds[t.src.Kind] = true
	}
	return kinds[media.KindVideo] && kinds[media.KindAudio] ||
		ms-s.held[0].ms >= holdMS || s.heldBytes >= holdBytes
}

// release fixes the tracks and writes the held samples.
func (s *tsSeg) release() error {
	if len(s.held) == 0 {
		return nil
	}
	err := s.start()
	for _, h := range s.held {
		if err != nil {
			break
		}
		err = s.writeSample(h.i, h.ms, h.cts, h.key, h.data)
	}
	s.held, s.heldBytes = nil, 0
	return err
}

// flush writes the packets so far. Samples still held wait for their
// track (at most holdMS of media): the periodic flush must not fix the
// program before an MP3 track's first frame.
func (s *tsSeg) flush() error { return s.out.flush() }

// finish writes every sample of the segment, held ones included.
func (s *tsSeg) finish(int, int64) error {
	if err := s.release(); err != nil {
		return err
	}
	return s.out.flush()
}
func (s *tsSeg) pending() int64 { return int64(len(s.out.buf) + s.heldBytes) }
func (s *tsSeg) ext() string    { return ".ts" }
