// Package mp4box is the ISO BMFF layer shared by the mp4 and fmp4
// recorders: how a media.Track maps to an MP4 sample entry, and the boxes
// of a movie header (ftyp, moov and everything in it but the sample
// tables); and the decoder of the track fragment boxes (tfhd, tfdt,
// trun) that both readers of fragmented files use, the fmp4 scan and the
// export (fragread.go).
//
// Boxes with structure (headers, sample entries and their codec
// configuration boxes) are marshalled with github.com/abema/go-mp4, which
// knows every box we need, including hvcC, av1C, vpcC, dOps, dac3, dec3
// and dfLa. The hot, fixed-layout boxes (moof/trun per fragment, the
// sample tables streamed from a journal) are written by the formats
// themselves with encoding/binary: go-mp4 marshals through reflection and
// would allocate per sample, and sample tables of a 24-hour file do not
// fit in memory as Go slices.
//
// Every track timescale is a multiple of 1000, so every millisecond
// timestamp the RTMP side carries is represented exactly.
package mp4box
