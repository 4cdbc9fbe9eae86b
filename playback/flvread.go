package playback

import (
	"bufio"
	"fmt"
	"io"

	"github.com/rtmprecd/rtmprecd/media"
)

// maxTag bounds one FLV tag body read into memory.
const maxTag = 16 << 20

// Codecs without a sequence start (MP3, PCM, G.711, Speex, Nellymoser,
// legacy video codecs, ...) name their track only with their first frame,
// which may come after the other track's first frames. Tracks looks that
// far ahead, within these bounds (whichever comes first): aheadMedia of
// media after the first frame, or aheadBytes of the file. The samples
// read on the way are kept (offsets only, no payload) for Next.
const (
	aheadMedia = 5000 // ms
	aheadBytes = 4 << 20
)

// flvReader reads an FLV file's tags in order through a small buffer,
// classifying each with media's parser; the sample points at the codec
// payload inside the tag, which is read again only when written.
type flvReader struct {
	f        readerAtCloser
	br       *bufio.Reader
	off      int64 // file offset of the next byte br returns
	size     int64
	p        media.Parser
	v, a     *media.Track
	body     []byte
	ahead    []Sample // read while looking for the tracks, not yet returned
	aheadAt  int      // the next of ahead to return
	aheadErr error    // what ended the look-ahead early, for Next after ahead
	framed   bool     // a coded frame has been read
	started  bool     // the tracks are fixed: any new configuration is a change
	// unchanged is the state before the last codec change read.
	unchanged *media.State
}

// newFLVReader reads the FLV in the first size bytes of f; Close closes f.
func newFLVReader(f readerAtCloser, size int64) (*flvReader, error) {
	r := &flvReader{f: f, size: size, br: bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 64<<10)}
	if err := r.header(); err != nil {
		return nil, err
	}
	return r, nil
}

// header checks the file header and reads ahead (lookAhead) so that
// Tracks knows the tracks the file begins with.
func (r *flvReader) header() error {
	var h [13]byte
	if _, err := io.ReadFull(r.br, h[:]); err != nil || string(h[:3]) != "FLV" {
		return fmt.Errorf("%w: no FLV header", errDamaged)
	}
	skip := int64(be.Uint32(h[5:])) - 9
	if skip < 0 || skip > 1<<20 {
		return fmt.Errorf("%w: FLV header size", errDamaged)
	}
	if _, err := r.br.Discard(int(skip)); err != nil {
		return fmt.Errorf("%w: FLV header cut", errDamaged)
	}
	r.off = 13 + skip
	if err := r.lookAhead(); err != nil {
		return err
	}
	st := r.p.State()
	if r.aheadErr != nil && r.unchanged != nil {
		st = r.unchanged // the tracks before the codec change that ended the look-ahead
	}
	r.v, r.a = st.Video(), st.Audio()
	r.started = true
	return nil
}

// lookAhead reads samples until both default tracks are known, or the
// bounds (aheadMedia, aheadBytes), the end of the file or an error. The
// tracks known at the first frame are always part of it. An error
// before the first sample is the file's; a later one is kept for Next.
func (r *flvReader) lookAhead() error {
	start := r.off
	for {
		s, err := r.read()
		if err == io.EOF {
			return nil
		}
		if err != nil && len(r.ahead) == 0 {
			return err
		}
		if err != nil {
			r.aheadErr = err
			return nil
		}
		r.ahead = append(r.ahead, s)
		st := r.p.State()
		if st.Video() != nil && st.Audio() != nil || s.DTS-r.ahead[0].DTS >= aheadMedia || r.off-start >= aheadBytes {
			return nil
		}
	}
}

func (r *flvReader) Tracks() (video, audio *media.Track) { return r.v, r.a }
func (r *flvReader) Close() error                        { return r.f.Close() }

func (r *flvReader) Next() (Sample, error) {
	if r.aheadAt < len(r.ahead) {
		r.aheadAt++
		return r.ahead[r.aheadAt-1], nil
	}
	if r.ahead != nil {
		r.ahead, r.aheadAt = nil, 0
		if err := r.aheadErr; err != nil {
			r.aheadErr = nil
			return Sample{}, err
		}
	}
	return r.read()
}

// read returns the next coded frame of the default tracks. A tag cut by
// the end of what is on disk ends the file.
func (r *flvReader) read() (Sample, error) {
	for {
		var th [11]byte
		if _, err := io.ReadFull(r.br, th[:]); err != nil {
			return Sample{}, io.EOF
		}
		typ, n := th[0]&0x1f, int(be.Uint32(th[0:4])&0xffffff)
		ts := int64(be.Uint32(th[4:8])>>8) | int64(th[7])<<24
		bodyAt := r.off + 11
		if n > maxTag {
			return Sample{}, fmt.Errorf("%w: tag of %d bytes at %d", errDamaged, n, r.off)
		}
		if typ != tagAudio && typ != tagVideo {
			if _, err := r.br.Discard(n + 4); err != nil {
				return Sample{}, io.EOF
			}
			r.off = bodyAt + int64(n) + 4
			continue
		}
		if cap(r.body) < n {
			r.body = make([]byte, n)
		}
		r.body = r.body[:n]
		if _, err := io.ReadFull(r.br, r.body); err != nil {
			return Sample{}, io.EOF
		}
		if _, err := r.br.Discard(4); err != nil {
			return Sample{}, io.EOF
		}
		r.off = bodyAt + int64(n) + 4
		s, ok, err := r.unit(typ, ts, bodyAt)
		if err != nil || ok {
			return s, err
		}
	}
}

// unit classifies one tag body; ok is false for tags that carry no
// sample of the exported tracks (sequence resends, other tracks).
func (r *flvReader) unit(typ uint8, ts, bodyAt int64) (Sample, bool, error) {
	before := r.p.State()
	f := r.p.Media(typ, ts, r.body)
	if len(f.Units) != 1 {
		return Sample{}, false, nil // multitrack bodies, unclassified tags
	}
	u := &f.Units[0]
	if u.Track.ID != 0 {
		return Sample{}, false, nil
	}
	if u.Packet == media.PacketSeqStart {
		if r.changes(u, before) {
			r.unchanged = before
			return Sample{}, false, fmt.Errorf("%w at %d ms", ErrCodecChange, ts)
		}
		return Sample{}, false, nil
	}
	if u.Packet != media.PacketFrame || len(u.Data) == 0 {
		return Sample{}, false, nil
	}
	r.framed = true
	video := typ == tagVideo
	return Sample{Video: video, Key: u.Key, DTS: ts, CTS: int32(u.PTS - u.DTS), R: r.f,
		Off: bodyAt + int64(len(r.body)-len(u.Data)), Size: uint32(len(u.Data))}, true, nil
}

// changes reports whether sequence start u (with the state before it)
// changes the codecs the export carries: not before the first frame, not
// a resend, and not a track's first configuration while Tracks is still
// looking ahead (an AAC header after the first video frame).
func (r *flvReader) changes(u *media.Unit, before *media.State) bool {
	switch {
	case !r.framed || u.Param == media.ParamResend:
		return false
	case !r.started && u.Param == media.ParamNew && before.Track(u.Track.Kind, 0) == nil:
		return false
	}
	return true
}
