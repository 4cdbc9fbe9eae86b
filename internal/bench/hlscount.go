package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/tscheck"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// countHLS reads an HLS recording (fMP4 segments) strictly: its playlist
// must be a finished one of ours, and the init segment followed by every
// listed segment, in order, must make one valid fragmented MP4 (so no
// segment is missing, torn or out of place). It counts the samples.
func countHLS(dir string) (FileCount, error) {
	var c FileCount
	p, err := readPlaylist(dir)
	if err != nil {
		return c, err
	}
	var whole bytes.Buffer
	mapped := ""
	for _, s := range p.Segments {
		if s.Map == "" {
			return c, errors.New("bench: the benchmark counts fMP4 segments only")
		}
		if s.Map != mapped {
			if mapped != "" {
				return c, fmt.Errorf("bench: a second init segment %s in one session", s.Map)
			}
			if err := appendFile(&whole, dir, s.Map); err != nil {
				return c, err
			}
			mapped = s.Map
		}
		if err := appendFile(&whole, dir, s.URI); err != nil {
			return c, err
		}
	}
	rep, err := mp4check.Check(whole.Bytes())
	if err != nil {
		return c, fmt.Errorf("%s: %w", dir, err)
	}
	c = tally(rep)
	c.Size, err = treeSize(dir)
	return c, err
}

func appendFile(w *bytes.Buffer, dir, name string) error {
	b, err := os.ReadFile(filepath.Join(dir, name))
	w.Write(b)
	return err
}

// treeSize is the bytes of the regular files below dir.
func treeSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	return n, err
}

// countHLSTS reads an HLS recording with MPEG-TS segments strictly: its
// playlist must be a finished one of ours, and every listed segment, in
// order, must pass internal/tscheck as one writer's output (continuity
// counters run on across segments except at a discontinuity; each
// segment starts with the program tables and, with video, a key frame
// and its parameter sets). Video units are the frames, each ADTS frame
// (or other audio PES) an audio frame; each track counts as its sequence
// header, since a TS carries the parameters in band.
func countHLSTS(dir string) (FileCount, error) {
	var c FileCount
	p, err := readPlaylist(dir)
	if err != nil {
		return c, err
	}
	var files []tscheck.SegmentFile
	for _, s := range p.Segments {
		if s.Map != "" || filepath.Ext(s.URI) != ".ts" {
			return c, fmt.Errorf("bench: %s: segment %s is not MPEG-TS", dir, s.URI)
		}
		files = append(files, tscheck.SegmentFile{Path: filepath.Join(dir, s.URI), Discontinuity: s.Discontinuity})
	}
	rep, err := tscheck.CheckFiles(files, true)
	if err != nil {
		return c, err
	}
	for _, t := range rep.Tracks {
		if t.Video() {
			c.Video += len(t.Units)
		} else {
			c.Audio += len(t.Units)
		}
		c.Headers++
	}
	c.Size, err = treeSize(dir)
	return c, err
}

// readPlaylist reads and validates a finished playlist of ours.
func readPlaylist(dir string) (*hls.Playlist, error) {
	b, err := os.ReadFile(filepath.Join(dir, hls.PlaylistName))
	if err != nil {
		return nil, err
	}
	p, err := hls.Parse(b)
	if err != nil {
		return nil, err
	}
	return p, hls.Validate(p, true)
}
