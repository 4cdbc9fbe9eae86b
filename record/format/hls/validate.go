package hls

import (
	"errors"
	"fmt"
	"time"
)

// Validate checks a playlist against the RFC 8216 rules this package
// promises: a version that covers the features used (3 for decimal
// durations, 6 for #EXT-X-MAP), a target duration no segment's rounded
// duration exceeds, an EVENT playlist, #EXT-X-PROGRAM-DATE-TIME on the
// first segment and after every discontinuity, increasing from one to
// the next, and every fMP4 segment under a map. ended asks for
// #EXT-X-ENDLIST too.
func Validate(p *Playlist, ended bool) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if p.Type != "EVENT" {
		bad("playlist type %q, want EVENT", p.Type)
	}
	if ended && !p.Ended {
		bad("no #EXT-X-ENDLIST")
	}
	if len(p.Segments) == 0 {
		bad("no segment")
	}
	if p.Version < 3 {
		bad("version %d: decimal durations need 3", p.Version)
	}
	var last time.Time
	for i, s := range p.Segments {
		if (s.MS+500)/1000 > int64(p.Target) {
			bad("segment %d (%s): %d ms rounds above the target duration %d s", i, s.URI, s.MS, p.Target)
		}
		if s.Map != "" && p.Version < 6 {
			bad("segment %d: #EXT-X-MAP needs version 6, have %d", i, p.Version)
		}
		if s.Map == "" && len(s.URI) > 4 && s.URI[len(s.URI)-4:] == ".m4s" {
			bad("segment %d (%s): fMP4 without #EXT-X-MAP", i, s.URI)
		}
		if (i == 0 || s.Discontinuity) && s.PDT.IsZero() {
			bad("segment %d (%s): no #EXT-X-PROGRAM-DATE-TIME", i, s.URI)
		}
		if !s.PDT.IsZero() {
			if !last.IsZero() && !s.PDT.After(last) {
				bad("segment %d (%s): program date time %v not after %v", i, s.URI, s.PDT, last)
			}
			last = s.PDT
		}
	}
	return errors.Join(errs...)
}
