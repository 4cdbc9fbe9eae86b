package recapi

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/playback"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// errMapped: an #EXT-X-MAP applies to every later segment of a playlist
// (RFC 8216, 4.3.2.5), so MPEG-TS segments, which have none, cannot
// follow fMP4 ones; the other way round is fine.
var errMapped = errors.New("its MPEG-TS segments would follow fMP4 ones, whose #EXT-X-MAP would apply to them: " +
	"ask for a range that does not mix them, or export it (export/...?format=fmp4)")

// mapsApply checks that the entries es of a recording can follow those
// of the playlist so far.
func mapsApply(sofar, es []hlsEntry) error {
	if len(es) == 0 || !slices.ContainsFunc(sofar, func(e hlsEntry) bool { return e.mapURI != "" }) {
		return nil
	}
	if slices.ContainsFunc(es, func(e hlsEntry) bool { return e.mapURI == "" }) {
		return errMapped
	}
	return nil
}

// errNotFMP4 marks a recording an HLS playlist cannot refer to without a
// copy.
var errNotFMP4 = errors.New("an HLS playlist refers to fMP4 and HLS recordings only; use export/...?format=fmp4")

// hlsEntry is one media segment of the playlist.
type hlsEntry struct {
	wall          time.Time // when it starts
	ms            int64
	uri           string
	off, size     int64 // byte range; size 0: the whole resource
	mapURI        string
	mapSize       int64 // byte range of the map from 0; 0: the whole resource
	discontinuity bool  // a new recording or a break inside one
}

// playlist serves playlist/{streamPath}.m3u8: an HLS VOD playlist of the
// range over the recordings themselves, with no copy: byte ranges of
// fMP4 files (one per fragment, which starts at a key frame) and the
// segments of HLS recordings (fMP4 or MPEG-TS), a discontinuity between
// recordings.
func (rq *request) playlist(tail string) {
	streamPath, ok := strings.CutSuffix(tail, ".m3u8")
	if !ok {
		fail(rq.w, http.StatusNotFound, "a playlist is playlist/{streamPath}.m3u8")
		return
	}
	q := rq.r.URL.Query()
	start, end, ok := rq.exportRange(q)
	if !ok {
		return
	}
	if max := rq.limits.max(); end.Sub(start) > max {
		fail(rq.w, http.StatusUnprocessableEntity, fmt.Sprintf("the range is longer than record_export_max %s", max))
		return
	}
	p, ok := rq.plan(streamPath, start, end, q)
	if !ok {
		return
	}
	defer p.Close()
	var entries []hlsEntry
	for _, s := range p.Segments {
		es, err := rq.segmentEntries(s, p.Start, p.End)
		if errors.Is(err, errNotFMP4) {
			fail(rq.w, http.StatusUnprocessableEntity, fmt.Sprintf("recording %d is %s: %v", s.Row.ID, s.Row.Format, err))
			return
		}
		if err != nil {
			rq.internal(err)
			return
		}
		if len(es) > 0 {
			es[0].discontinuity = len(entries) > 0
		}
		if err := mapsApply(entries, es); err != nil {
			fail(rq.w, http.StatusUnprocessableEntity, fmt.Sprintf("recording %d: %v", s.Row.ID, err))
			return
		}
		entries = append(entries, es...)
	}
	if len(entries) == 0 {
		fail(rq.w, http.StatusNotFound, "no fragment of "+streamPath+" covers the range")
		return
	}
	h := rq.w.Header()
	h.Set("Content-Type", "application/vnd.apple.mpegurl")
	h.Set("Cache-Control", "no-cache")
	if !p.Rest.IsZero() {
		h.Set("X-Export-Rest", stamp(p.Rest))
	}
	rq.w.WriteHeader(http.StatusOK)
	rq.w.Write([]byte(writePlaylist(entries)))
}

// segmentEntries lists the media segments of one recording over
// [start, end).
func (rq *request) segmentEntries(s playback.Segment, start, end time.Time) ([]hlsEntry, error) {
	switch s.Row.Format {
	case "fmp4":
		return rq.fragmentEntries(s, start, end)
	case "hls":
		return rq.hlsSegmentEntries(s, start, end)
	}
	return nil, errNotFMP4
}

// overlaps: a segment from wall lasting ms plays some of [start, end).
func overlaps(wall time.Time, ms int64, start, end time.Time) bool {
	return wall.Before(end) && wall.Add(time.Duration(ms)*time.Millisecond).After(start)
}

// fragmentEntries refers to byte ranges of an fMP4 file, one per fragment.
func (rq *request) fragmentEntries(s playback.Segment, start, end time.Time) ([]hlsEntry, error) {
	fl, err := playback.ListFragmentsOf(s.Files, s.Size)
	if err != nil {
		return nil, fmt.Errorf("recording %d: %w", s.Row.ID, err)
	}
	uri := rq.fileURI(s.Row.ID, filepath.Base(s.Row.Path)) // a name with its extension: players check it
	var out []hlsEntry
	for _, f := range fl.Fragments {
		wall := s.Row.Start.Add(time.Duration(f.DTS-fl.Fragments[0].DTS) * time.Millisecond)
		if overlaps(wall, f.Dur, start, end) {
			out = append(out, hlsEntry{wall: wall, ms: f.Dur, uri: uri, off: f.Off, size: f.Size, mapURI: uri, mapSize: fl.InitSize})
		}
	}
	return out, nil
}

// hlsSegmentEntries refers to the segments of an HLS recording.
func (rq *request) hlsSegmentEntries(s playback.Segment, start, end time.Time) ([]hlsEntry, error) {
	row := s.Row
	b, err := playback.ReadFile(s.Files, hls.PlaylistName)
	if err != nil {
		return nil, fmt.Errorf("recording %d: %w", row.ID, err)
	}
	pl, err := hls.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("recording %d: %w", row.ID, err)
	}
	var out []hlsEntry
	wall := row.Start
	var firstPDT time.Time // the muxer's clock; the row's start is the index's
	for _, sg := range pl.Segments {
		if firstPDT.IsZero() {
			firstPDT = sg.PDT
		}
		if !sg.PDT.IsZero() { // after a break (record_append), the clock says how long
			wall = row.Start.Add(sg.PDT.Sub(firstPDT))
		}
		if overlaps(wall, sg.MS, start, end) {
			e := hlsEntry{wall: wall, ms: sg.MS, uri: rq.fileURI(row.ID, sg.URI), discontinuity: sg.Discontinuity && len(out) > 0}
			if sg.Map != "" { // fMP4; an MPEG-TS segment carries its own program tables
				e.mapURI = rq.fileURI(row.ID, sg.Map)
			}
			out = append(out, e)
		}
		wall = wall.Add(time.Duration(sg.MS) * time.Millisecond)
	}
	return out, nil
}

// fileURI is the API path of a recording's file, or of the file name in
// an HLS recording's directory; signed with the request's expiry when
// the request was signed, since a player sends no header.
func (rq *request) fileURI(id int64, name string) string {
	p := rq.prefix + "/recordings/" + strconv.FormatInt(id, 10) + "/file"
	if name != "" {
		p += "/" + url.PathEscape(name)
	}
	if q := rq.signedQuery(p); q != "" {
		return p + "?" + q
	}
	return p
}

// writePlaylist writes an RFC 8216 media playlist (version 7: byte
// ranges of maps) of entries, ended (VOD).
func writePlaylist(es []hlsEntry) string {
	var target int64
	for _, e := range es {
		target = max(target, int64(math.Ceil(float64(e.ms)/1000)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n", max(target, 1))
	lastMap := ""
	for i, e := range es {
		if e.discontinuity {
			b.WriteString("#EXT-X-DISCONTINUITY\n")
		}
		if m := fmt.Sprintf("%s@%d", e.mapURI, e.mapSize); e.mapURI != "" && (m != lastMap || e.discontinuity) {
			fmt.Fprintf(&b, "#EXT-X-MAP:URI=%q", e.mapURI)
			if e.mapSize > 0 {
				fmt.Fprintf(&b, ",BYTERANGE=\"%d@0\"", e.mapSize)
			}
			b.WriteString("\n")
			lastMap = m
		}
		if i == 0 || e.discontinuity {
			fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", e.wall.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		fmt.Fprintf(&b, "#EXTINF:%.3f,\n", float64(e.ms)/1000)
		if e.size > 0 {
			fmt.Fprintf(&b, "#EXT-X-BYTERANGE:%d@%d\n", e.size, e.off)
		}
		b.WriteString(e.uri + "\n")
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return b.String()
}
