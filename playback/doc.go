// Package playback turns recordings into one file over any time range:
// it reads the sample indexes of recorded files (FLV, MP4, fragmented
// MP4, HLS with fMP4 or MPEG-TS segments) without loading their media,
// plans which
// files cover a range, and writes the range as fragmented MP4 (streamed),
// progressive MP4 (a seekable virtual file whose moov is computed from the
// sources' indexes first) or FLV (streamed). Media bytes are read lazily
// with ReadAt, sample by sample or run by run, so memory stays bounded by
// the indexes, never by the media. An MPEG-TS sample is not contiguous in
// its segment: its reader gathers it from its transport packets again
// when it is read (tspayload.go).
package playback
