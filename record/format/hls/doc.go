// Package hls records HLS: a recording is a directory holding an RFC 8216
// media playlist (index.m3u8) and its segments, either CMAF fragmented
// MP4 (init.mp4 + NNNNNN.m4s, through package fmp4) or MPEG-TS
// (NNNNNN.ts: program tables from mediacommon's mpegts writer, media
// through our own packetizer, tspes.go).
//
// A segment ends at the first video key frame at or after the fragment
// duration, or at the max fragment without one (audio-only recordings:
// at the fragment). A segment is listed only once it is whole on disk:
// the playlist is rewritten to a hidden temporary name and renamed over
// index.m3u8, so a reader never sees a torn playlist or a segment listed
// before it exists. The rewrite copies the previous playlist from disk
// (an EVENT playlist only grows) instead of keeping it in memory, so a
// day-long recording costs no more RAM than a short one.
//
// The recorder creates the directory and locks the stable lock file
// format.LockName inside it; this package never replaces that file.
// RepairDir closes a playlist left unfinished by a crash, finishing the
// segment the crash tore (finish.go; it reads MPEG-TS segments with
// record/format/tsread, the export's demultiplexer, not the packetizer's
// code).
package hls
