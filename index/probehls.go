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
// is Unfinished. The frame counts and codecs are not read: Fill keeps
// the row's.
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
