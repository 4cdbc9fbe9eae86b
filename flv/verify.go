package flv

import (
	"fmt"
	"io"
	"os"
)

// Summary describes a whole FLV file, as recording tests want to see it.
type Summary struct {
	Header Header
	// Tag counts by type.
	Audio, Video, Script int
	// SeqHeaders counts audio and video sequence headers.
	SeqHeaders int
	// Keyframes counts video keyframes that carry a picture: frame type 1,
	// not a sequence header and not an end-of-sequence marker.
	Keyframes int
	// FirstTimestamp and LastTimestamp are the smallest and largest
	// timestamps of audio and video tags (0 when there are none).
	FirstTimestamp, LastTimestamp uint32
	// AudioMonotonic and VideoMonotonic report whether the timestamps of
	// that type never go backwards in file order (true when there are none).
	AudioMonotonic, VideoMonotonic bool
	// Metadata holds the fields of the first onMetaData tag; nil if none.
	Metadata map[string]any
}

// Verify strictly reads the FLV file at path, streaming it, and returns its
// Summary. Any structural error, or an onMetaData tag that does not decode,
// is returned with the byte offset; a torn tail wraps ErrTruncated.
func Verify(path string) (Summary, error) {
	fd, err := os.Open(path)
	if err != nil {
		return Summary{}, err
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return Summary{}, err
	}
	s, err := summarize(newSizedReader(fd, st.Size()))
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func summarize(r *Reader) (Summary, error) {
	h, err := r.Header()
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Header: h, AudioMonotonic: true, VideoMonotonic: true}
	var lastA, lastV int64 = -1, -1
	for {
		t, err := r.Next()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return Summary{}, err
		}
		switch t.Type {
		case TagScript:
			s.Script++
			if err := s.addMetadata(t); err != nil {
				return Summary{}, err
			}
			continue
		case TagAudio:
			s.Audio++
			s.AudioMonotonic = s.AudioMonotonic && int64(t.Timestamp) >= lastA
			lastA = int64(t.Timestamp)
		case TagVideo:
			s.Video++
			s.VideoMonotonic = s.VideoMonotonic && int64(t.Timestamp) >= lastV
			lastV = int64(t.Timestamp)
			if t.IsKeyframe() && !t.IsSeqHeader() && !t.IsEndOfSeq() {
				s.Keyframes++
			}
		}
		if t.IsSeqHeader() {
			s.SeqHeaders++
		}
		s.addTimestamp(t.Timestamp)
	}
}

func (s *Summary) addTimestamp(ts uint32) {
	if s.Audio+s.Video == 1 || ts < s.FirstTimestamp {
		s.FirstTimestamp = ts
	}
	s.LastTimestamp = max(s.LastTimestamp, ts)
}

// addMetadata keeps the first onMetaData. Other script tags (cue points,
// text) may hold any AMF0 value, so only onMetaData must decode.
func (s *Summary) addMetadata(t *Tag) error {
	if s.Metadata != nil || t.scriptName() != "onMetaData" {
		return nil
	}
	_, fields, err := t.Metadata()
	if err != nil {
		return err
	}
	s.Metadata = fields
	return nil
}
