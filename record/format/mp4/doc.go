// Package mp4 writes progressive MP4 recordings that a browser plays from
// the first bytes: ftyp, then room reserved at open for the movie header
// (a free box), then one mdat that the media is written into once. At
// close the moov is written into the room (free fills what is left), or,
// when the recording outgrew it, after the mdat. Chunk offsets are 64-bit
// (co64), so files past 4 GiB work.
//
// Memory does not grow with duration: every sample's size, times and key
// flag go to a journal file beside the recording (a hidden name, removed
// at close), and the sample tables are streamed from it into the moov.
// The journal and the media written so far are enough to finish a file
// cut short by a crash; the repair step that does so is not written yet.
package mp4
