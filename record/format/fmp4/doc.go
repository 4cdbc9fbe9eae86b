// Package fmp4 writes fragmented MP4 recordings: an initialization
// segment (ftyp, moov with mvex) and then moof+mdat fragments of at most
// about a second of media, each written whole with one writev, so a file
// cut by a crash plays up to its last whole fragment. At close the
// durations are written in place (version 1 fields reserved at open) and
// an mfra index of every video key frame is appended.
//
// A fragment starts at every video key frame, so each mfra entry points
// at the first sample of its fragment.
package fmp4
