package index

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
)

// Facts are what a recorded file tells about itself.
type Facts struct {
	Size        int64
	Duration    time.Duration // last minus first media timestamp
	VideoFrames int64         // media tags; sequence headers and end-of-sequence markers not counted
	AudioFrames int64
	Keyframes   int64
	VideoCodec  string
	Width       int
	Height      int
	FrameRate   float64
	AudioCodec  string
	SampleRate  int
	Channels    int
	ModTime     time.Time
	// Creator is the onMetaData "metadatacreator" ("rtmprecd" for ours).
	Creator string
	// SizeOnly is set for a format this package has no reader for: only
	// Size and ModTime are known, and Fill keeps the row's other figures.
	SizeOnly bool
	// Playlist is set for an HLS recording (ProbeHLS): Size, Duration,
	// Start and ModTime are known, and Fill keeps the row's frame counts
	// and codecs unless Frames is set.
	Playlist bool
	// Frames is set when ProbeHLS read the frame counts and codec names
	// (fMP4 segments): Fill copies them.
	Frames bool
	// Start is the wall clock of the first frame when the recording says
	// it (an HLS playlist's first #EXT-X-PROGRAM-DATE-TIME); zero if not.
	Start time.Time
	// Unfinished is set when the onMetaData tag has no duration (a file
	// left open by a crash), the file ends inside a tag, or a playlist
	// has no #EXT-X-ENDLIST.
	Unfinished bool
	// Torn is the error that ended reading early, nil when the file was
	// read to its end.
	Torn error
}

// ProbeFLV reads the FLV file at path with the strict reader and counts
// what is in it. A file cut short (a crash) gives the figures of its whole
// tags and Torn; a file that is not FLV at all is an error.
func ProbeFLV(path string) (Facts, error) {
	fd, err := os.Open(path)
	if err != nil {
		return Facts{}, err
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return Facts{}, err
	}
	f := Facts{Size: st.Size(), ModTime: st.ModTime()}
	r := flv.NewReader(fd)
	if _, err := r.Header(); err != nil {
		return f, fmt.Errorf("%s: %w", path, err)
	}
	first, last := int64(-1), int64(-1)
	meta := false
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Torn, f.Unfinished = err, true
			break
		}
		if t.Type == flv.TagScript {
			if !meta {
				meta = f.metadata(t)
			}
			continue
		}
		f.count(t)
		ts := int64(t.Timestamp)
		if first < 0 || ts < first {
			first = ts
		}
		last = max(last, ts)
	}
	if first >= 0 {
		f.Duration = time.Duration(last-first) * time.Millisecond
	}
	return f, nil
}

func (f *Facts) count(t *flv.Tag) {
	if t.IsSeqHeader() {
		f.codec(t)
		return
	}
	switch t.Type {
	case flv.TagVideo:
		if t.IsEndOfSeq() {
			return // a marker, not a picture (ffprobe counts no packet)
		}
		f.VideoFrames++
		if t.IsKeyframe() {
			f.Keyframes++
		}
	case flv.TagAudio:
		f.AudioFrames++
	}
	f.codec(t)
}

// metadata reads onMetaData; it reports whether t was one.
func (f *Facts) metadata(t *flv.Tag) bool {
	name, m, err := t.Metadata()
	if err != nil || name != "onMetaData" {
		return false
	}
	num := func(k string) float64 {
		v, _ := m[k].(float64)
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e9 {
			return 0
		}
		return v
	}
	f.Width, f.Height, f.FrameRate = int(num("width")), int(num("height")), num("framerate")
	f.SampleRate = int(num("audiosamplerate"))
	if st, ok := m["stereo"].(bool); ok {
		f.Channels = 1
		if st {
			f.Channels = 2
		}
	}
	f.Creator, _ = m["metadatacreator"].(string)
	if _, ok := m["duration"]; !ok && f.Creator == "rtmprecd" {
		f.Unfinished = true // our placeholder until close
	}
	return true
}

// codec names the tag's codec, once per type.
func (f *Facts) codec(t *flv.Tag) {
	if len(t.Data) == 0 {
		return
	}
	b := t.Data[0]
	switch {
	case t.Type == flv.TagVideo && f.VideoCodec == "":
		if b&0x80 != 0 && len(t.Data) >= 5 {
			f.VideoCodec = fourCC(t.Data[1:5])
		} else {
			f.VideoCodec = videoCodecs[b&0x0f]
		}
	case t.Type == flv.TagAudio && f.AudioCodec == "":
		if b>>4 == 9 && len(t.Data) >= 5 {
			f.AudioCodec = fourCC(t.Data[1:5])
		} else {
			f.AudioCodec = audioCodecs[b>>4]
		}
	}
}

var videoCodecs = [16]string{2: "h263", 3: "screen", 4: "vp6", 5: "vp6a", 6: "screen2", 7: "h264", 12: "h265"}

var audioCodecs = [16]string{0: "pcm", 1: "adpcm", 2: "mp3", 3: "pcm_le", 4: "nellymoser", 5: "nellymoser",
	6: "nellymoser", 7: "g711a", 8: "g711u", 10: "aac", 11: "speex", 14: "mp3", 15: "device"}

// fourCC maps Enhanced RTMP FourCCs to the names ffprobe uses.
func fourCC(b []byte) string {
	switch s := string(b); s {
	case "avc1":
		return "h264"
	case "hvc1":
		return "h265"
	case "av01":
		return "av1"
	case "vp09":
		return "vp9"
	case "Opus":
		return "opus"
	case ".mp3":
		return "mp3"
	case "mp4a":
		return "aac"
	case "ac-3":
		return "ac3"
	case "ec-3":
		return "eac3"
	case "fLaC":
		return "flac"
	default:
		return strings.ToLower(strings.Map(printable, s))
	}
}

func printable(r rune) rune {
	if r < 0x20 || r > 0x7e {
		return -1
	}
	return r
}

// ErrNotRecording marks a file that the rule of recordings excludes.
var ErrNotRecording = errors.New("not a recording")

// Fill copies f's figures into r.
func (f *Facts) Fill(r *Recording) {
	if f.SizeOnly {
		r.Size = f.Size
		return
	}
	if f.Playlist {
		r.Size, r.Duration = f.Size, f.Duration
		if f.Frames {
			r.VideoFrames, r.AudioFrames, r.VideoCodec, r.AudioCodec = f.VideoFrames, f.AudioFrames, f.VideoCodec, f.AudioCodec
		}
		return
	}
	r.Size, r.Duration = f.Size, f.Duration
	r.VideoFrames, r.AudioFrames, r.Keyframes = f.VideoFrames, f.AudioFrames, f.Keyframes
	r.VideoCodec, r.Width, r.Height, r.FrameRate = f.VideoCodec, f.Width, f.Height, f.FrameRate
	r.AudioCodec, r.SampleRate, r.Channels = f.AudioCodec, f.SampleRate, f.Channels
}
