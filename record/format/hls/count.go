package hls

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/fmp4"
)

// Counts are the samples of the fMP4 segments a playlist lists, read
// from their moof headers (the media data is skipped), and the sample
// entry types (FourCCs such as "avc1", "mp4a") of the first video and
// audio tracks of their init segments.
type Counts struct {
	Video, Audio           int64
	VideoEntry, AudioEntry string
}

// CountFMP4 counts the samples of the fMP4 segments of p, the playlist
// of the recording in dir: each segment is scanned after its init
// segment (its #EXT-X-MAP) by the fMP4 scan, so a segment cut short by a
// crash gives its whole fragments. ok is false when p lists an MPEG-TS
// segment (counting those needs a full demux). A segment or init
// segment that does not read is an error.
func CountFMP4(dir string, p *Playlist) (c Counts, ok bool, err error) {
	inits := map[string][]byte{}
	for _, s := range p.Segments {
		if s.Map == "" {
			return Counts{}, false, nil
		}
		init, seen := inits[s.Map]
		if !seen {
			if init, err = readInit(dir, s.Map); err != nil {
				return Counts{}, false, err
			}
			inits[s.Map] = init
		}
		sc, err := scanSegment(dir, s.URI, init)
		if err != nil {
			return Counts{}, false, err
		}
		c.add(sc)
	}
	return c, true, nil
}

// add counts the samples of one scanned segment.
func (c *Counts) add(sc *fmp4.Scanned) {
	for _, t := range sc.Tracks {
		entry := ""
		if len(t.Entry) >= 8 {
			entry = string(t.Entry[4:8])
		}
		switch t.Kind {
		case media.KindVideo:
			c.Video += t.Samples
			c.VideoEntry = cmp.Or(c.VideoEntry, entry)
		case media.KindAudio:
			c.Audio += t.Samples
			c.AudioEntry = cmp.Or(c.AudioEntry, entry)
		}
	}
}

// scanSegment scans the segment name of dir read after init.
func scanSegment(dir, name string, init []byte) (*fmp4.Scanned, error) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	sc, err := fmp4.Scan(joined{head: init, tail: f}, int64(len(init))+st.Size())
	if err != nil {
		return nil, fmt.Errorf("segment %s: %w", name, err)
	}
	return sc, nil
}
