package hls

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Playlist is a media playlist as this package writes them.
type Playlist struct {
	Version, Target, MediaSequence int
	Type                           string // #EXT-X-PLAYLIST-TYPE
	Segments                       []Segment
	Ended                          bool  // #EXT-X-ENDLIST
	Body                           int64 // bytes before #EXT-X-ENDLIST (all of them without it)
}

// Segment is one listed segment.
type Segment struct {
	URI           string
	MS            int64 // #EXTINF in milliseconds
	Discontinuity bool
	Map           string // the #EXT-X-MAP in effect; "" none
	NewMap        bool   // a #EXT-X-MAP right before it
	PDT           time.Time
}

// ErrSyntax marks a playlist this package cannot read.
var ErrSyntax = errors.New("hls: not a playlist of ours")

// Parse reads a media playlist strictly: the tags this package writes,
// one per line, each segment a plain file name in the same directory.
func Parse(b []byte) (*Playlist, error) {
	p := &Playlist{Version: -1, Target: -1}
	var pending Segment
	haveInf, curMap := false, ""
	lines, off := 0, int64(0)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil, fmt.Errorf("%w: line %d has no end", ErrSyntax, lines+1)
		}
		line := string(b[:i])
		lineStart := off
		b, off, lines = b[i+1:], off+int64(i)+1, lines+1
		if lines == 1 {
			if line != "#EXTM3U" {
				return nil, fmt.Errorf("%w: no #EXTM3U", ErrSyntax)
			}
			continue
		}
		if p.Ended {
			return nil, fmt.Errorf("%w: line %d after #EXT-X-ENDLIST", ErrSyntax, lines)
		}
		if haveInf {
			if err := checkURI(line); err != nil {
				return nil, fmt.Errorf("%w: line %d: %w", ErrSyntax, lines, err)
			}
			pending.URI, pending.Map = line, curMap
			p.Segments = append(p.Segments, pending)
			pending, haveInf = Segment{}, false
			continue
		}
		if line == "#EXT-X-ENDLIST" {
			p.Ended, p.Body = true, lineStart
			continue
		}
		tag, val, _ := strings.Cut(line, ":")
		var err error
		switch tag {
		case "#EXT-X-VERSION":
			p.Version, err = number(val)
		case "#EXT-X-TARGETDURATION":
			p.Target, err = number(val)
		case "#EXT-X-MEDIA-SEQUENCE":
			p.MediaSequence, err = number(val)
		case "#EXT-X-PLAYLIST-TYPE":
			if val != "EVENT" && val != "VOD" {
				err = errors.New("unknown playlist type")
			}
			p.Type = val
		case "#EXT-X-DISCONTINUITY":
			pending.Discontinuity = true
		case "#EXT-X-MAP":
			curMap, err = mapURI(val)
			pending.NewMap = true
		case "#EXT-X-PROGRAM-DATE-TIME":
			pending.PDT, err = time.Parse(time.RFC3339Nano, val)
		case "#EXTINF":
			pending.MS, err = duration(val)
			haveInf = true
		default:
			err = errors.New("unknown line")
		}
		if err != nil {
			return nil, fmt.Errorf("%w: line %d %.40q: %w", ErrSyntax, lines, line, err)
		}
	}
	if haveInf {
		return nil, fmt.Errorf("%w: #EXTINF without its segment", ErrSyntax)
	}
	if lines == 0 {
		return nil, fmt.Errorf("%w: empty", ErrSyntax)
	}
	if !p.Ended {
		p.Body = off
	}
	if p.Version < 0 || p.Target < 0 {
		return nil, fmt.Errorf("%w: no #EXT-X-VERSION or #EXT-X-TARGETDURATION", ErrSyntax)
	}
	return p, nil
}

// number parses a decimal-integer attribute.
func number(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || s != strconv.Itoa(n) {
		return 0, errors.New("not a decimal integer")
	}
	return n, nil
}

// duration parses "#EXTINF:<seconds>," with up to three decimals.
func duration(s string) (int64, error) {
	s, ok := strings.CutSuffix(s, ",")
	if !ok {
		return 0, errors.New("no comma after the duration")
	}
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 32)
	if err != nil || sec < 0 || len(frac) > 3 || whole == "" || whole[0] == '+' {
		return 0, errors.New("bad duration")
	}
	ms := int64(0)
	for i := range 3 {
		ms *= 10
		if i < len(frac) {
			if frac[i] < '0' || frac[i] > '9' {
				return 0, errors.New("bad duration")
			}
			ms += int64(frac[i] - '0')
		}
	}
	return sec*1000 + ms, nil
}

// mapURI reads the URI attribute of #EXT-X-MAP (the only one we write).
func mapURI(s string) (string, error) {
	v, ok := strings.CutPrefix(s, `URI="`)
	if !ok || !strings.HasSuffix(v, `"`) {
		return "", errors.New("no URI")
	}
	v = v[:len(v)-1]
	return v, checkURI(v)
}

// checkURI accepts only a plain file name in the playlist's directory,
// so a repair never touches anything outside it.
func checkURI(s string) error {
	if s == "" || s[0] == '.' || s[0] == '#' || strings.ContainsAny(s, "/\\\"\x00") {
		return errors.New("not a plain segment file name")
	}
	return nil
}
