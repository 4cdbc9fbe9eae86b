package hls

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/record/format"
)

// initState names the fMP4 initialization segments of a recording:
// init.mp4, then init-1.mp4, ... when an appended session's parameters
// differ (never overwriting one a listed segment refers to).
type initState struct {
	prev    []byte // content of the map in effect
	prevURI string // "" none yet
	count   int    // next name's number
	made    []string
}

// maxInitTries bounds the search for a free init segment name.
const maxInitTries = 1000

func initName(n int) string {
	if n == 0 {
		return "init.mp4"
	}
	return "init-" + strconv.Itoa(n) + ".mp4"
}

// writeInit stores the initialization segment b of the session being
// recorded, unless the map in effect holds the same bytes; a new one is
// announced with #EXT-X-MAP before the next listed segment.
func (m *muxer) writeInit(b []byte) error {
	if m.init.prevURI != "" && bytes.Equal(b, m.init.prev) {
		return nil
	}
	for range maxInitTries {
		name := initName(m.init.count)
		m.init.count++
		s, err := m.dir.Create(name)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return err
		}
		m.init.made = append(m.init.made, name)
		_, err = s.Writev([][]byte{b})
		if err == nil && m.o.Fsync {
			err = s.Datasync()
		}
		if err = errors.Join(err, s.Close()); err != nil {
			return fmt.Errorf("init segment %s: %w", name, err)
		}
		m.files += int64(len(b))
		m.mapURI, m.init.prevURI = name, name
		m.init.prev = append(m.init.prev[:0], b...)
		return nil
	}
	return errors.New("hls: no free init segment name")
}

// removeMade removes the init segments of a recording that listed no
// segment.
func (s *initState) removeMade(d format.Dir) {
	for _, name := range s.made {
		d.Remove(name)
	}
	s.made = nil
}

// initSink hands the fMP4 muxer's initialization segment to writeInit.
type initSink struct{ m *muxer }

func (s initSink) Writev(bufs [][]byte) (int64, error) {
	b := bytes.Join(bufs, nil)
	return int64(len(b)), s.m.writeInit(b)
}

func (initSink) WriteAt([]byte, int64) (int, error) {
	return 0, errors.New("hls: init segments are never patched")
}

func (initSink) Datasync() error { return nil }

// Truncate and Seek: an init segment is written whole by writeInit or not
// at all, so there is never a torn write to cut back.
func (initSink) Truncate(int64) error { return errors.New("hls: init segments are never cut") }

func (initSink) Seek(int64, int) (int64, error) { return 0, nil }
