package index

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// ProbeHLS reads the facts of the HLS recording in dir from its
// directory and playlist, without reading a segment: the size is the
// bytes of its files, the duration the sum of the playlist's #EXTINF,
// the start the #EXT-X-PROGRAM-DATE-TIME of its first segment and the
// modification time the playlist's (it is replaced at every segment).
// A playlist without #EXT-X-ENDLIST (a crash, or a writer still at work)
// is Unfinished. The frame counts and codecs are not read (a close
// keeps the recorder's): see probeFrames.
func ProbeHLS(dir string) (Facts, error) {
	if _, err := os.Stat(dir); err != nil {
		return Facts{}, err // gone: fs.ErrNotExist
	}
	pl := filepath.Join(dir, hls.PlaylistName)
	b, err := os.ReadFile(pl)
	if err != nil {
		// %v: the recording is there, its playlist does not read (not ErrNotExist)
		return Facts{}, fmt.Errorf("hls recording without a readable playlist: %v", err)
	}
	st, err := os.Stat(pl)
	if err != nil {
		return Facts{}, err
	}
	p, err := hls.Parse(b)
	if err != nil {
		return Facts{}, fmt.Errorf("%s: %w", pl, err)
	}
	f := Facts{ModTime: st.ModTime(), Playlist: true, Unfinished: !p.Ended}
	for _, s := range p.Segments {
		f.Duration += time.Duration(s.MS) * time.Millisecond
	}
	if len(p.Segments) > 0 {
		f.Start = p.Segments[0].PDT
	}
	f.Size, err = dirBytes(dir)
	return f, err
}

// probeFrames is Probe, and for an HLS recording with fMP4 segments also
// the frame counts and codec names, from the init segments and the
// segments' moof headers (the media data is not read): what rebuild and
// the completion of a crashed row know no better. MPEG-TS segments
// would need a full demux, so their counts and codecs stay unknown and
// Fill keeps the row's, as it does when a segment does not scan.
func probeFrames(format, path string) (Facts, error) {
	f, err := Probe(format, path)
	if err == nil && f.Playlist {
		f.countFrames(path)
	}
	return f, err
}

// countFrames reads the frame counts and codecs of an fMP4 recording.
// One whose segments do not scan keeps them unknown (Frames unset)
// rather than failing the recording: its size and duration still hold.
func (f *Facts) countFrames(dir string) {
	b, err := os.ReadFile(filepath.Join(dir, hls.PlaylistName))
	if err != nil {
		return
	}
	p, err := hls.Parse(b)
	if err != nil {
		return
	}
	c, ok, err := hls.CountFMP4(dir, p)
	if !ok || err != nil {
		return
	}
	f.Frames, f.VideoFrames, f.AudioFrames = true, c.Video, c.Audio
	if c.VideoEntry != "" {
		f.VideoCodec = fourCC([]byte(c.VideoEntry))
	}
	if c.AudioEntry != "" {
		f.AudioCodec = fourCC([]byte(c.AudioEntry))
	}
}
