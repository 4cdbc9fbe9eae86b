package mp4box

import (
	gomp4 "github.com/abema/go-mp4"

	"github.com/rtmprecd/rtmprecd/media"
)

// MovieTimescale is the movie (mvhd, tkhd, elst) timescale: milliseconds.
const MovieTimescale = 1000

// Field offsets of 64-bit durations inside version 1 boxes, from the box
// start: header 8, version and flags 4, then the fields before duration.
const (
	mvhdDurationAt = 8 + 4 + 8 + 8 + 4
	tkhdDurationAt = 8 + 4 + 8 + 8 + 4 + 4
	mdhdDurationAt = 8 + 4 + 8 + 8 + 4
	mehdDurationAt = 8 + 4
)

// Ftyp writes the file type box: ISO base media with the brands players
// look for. Fragmented files add iso6 (movie fragments).
func ftyp(b *builder, fragmented bool) {
	f := &gomp4.Ftyp{MajorBrand: [4]byte{'i', 's', 'o', 'm'}, MinorVersion: 0x200}
	for _, s := range []string{"isom", "iso2", "avc1", "mp41"} {
		f.AddCompatibleBrand(brand(s))
	}
	if fragmented {
		f.AddCompatibleBrand(brand("iso6"))
	}
	b.box(f)
}

func brand(s string) [4]byte { return [4]byte{s[0], s[1], s[2], s[3]} }

func mvhd(b *builder, durMS int64, next uint32) int64 {
	at := b.pos()
	b.box(&gomp4.Mvhd{FullBox: gomp4.FullBox{Version: 1}, Timescale: MovieTimescale, DurationV1: uint64(durMS),
		Rate: 0x10000, Volume: 0x100, Matrix: identity, NextTrackID: next})
	return at + mvhdDurationAt
}

var identity = [9]int32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000}

// trakHeader opens trak and writes tkhd and, when the track starts after
// the movie, an edit list that keeps it in sync; it returns the offsets
// of the tkhd and mdhd durations. The caller writes stbl's children and
// closes the boxes with trakEnd.
func trakHeader(b *builder, t *Track, durMS, mediaDur, startMS int64) (tkhdAt, mdhdAt int64) {
	b.start("trak")
	tk := &gomp4.Tkhd{FullBox: gomp4.FullBox{Version: 1, Flags: [3]byte{0, 0, 3}}, TrackID: t.ID,
		DurationV1: uint64(durMS), Matrix: identity}
	if t.Kind == media.KindVideo {
		tk.Width, tk.Height = uint32(t.Width)<<16, uint32(t.Height)<<16
	} else {
		tk.Volume = 0x100
	}
	tkhdAt = b.pos() + tkhdDurationAt
	b.box(tk)
	if startMS > 0 {
		edits(b, startMS, durMS-startMS)
	}
	b.start("mdia")
	mdhdAt = b.pos() + mdhdDurationAt
	b.box(&gomp4.Mdhd{FullBox: gomp4.FullBox{Version: 1}, Timescale: t.Timescale, DurationV1: uint64(mediaDur),
		Language: [3]byte{'u' - 0x60, 'n' - 0x60, 'd' - 0x60}})
	h := &gomp4.Hdlr{HandlerType: brand("soun"), Name: "SoundHandler"}
	if t.Kind == media.KindVideo {
		h.HandlerType, h.Name = brand("vide"), "VideoHandler"
	}
	b.box(h)
	b.start("minf")
	if t.Kind == media.KindVideo {
		b.box(&gomp4.Vmhd{FullBox: gomp4.FullBox{Flags: [3]byte{0, 0, 1}}})
	} else {
		b.box(&gomp4.Smhd{})
	}
	b.start("dinf")
	b.start("dref")
	b.payload(&gomp4.Dref{EntryCount: 1})
	b.box(&gomp4.Url{FullBox: gomp4.FullBox{Flags: [3]byte{0, 0, 1}}})
	b.end()
	b.end()
	b.start("stbl")
	b.start("stsd")
	b.payload(&gomp4.Stsd{EntryCount: 1})
	t.entry(b)
	b.end()
	return tkhdAt, mdhdAt
}

// edits writes an empty edit for the time before the track's first
// sample, then the whole media from its start.
func edits(b *builder, emptyMS, mediaMS int64) {
	b.start("edts")
	b.box(&gomp4.Elst{FullBox: gomp4.FullBox{Version: 1}, EntryCount: 2, Entries: []gomp4.ElstEntry{
		{SegmentDurationV1: uint64(emptyMS), MediaTimeV1: -1, MediaRateInteger: 1},
		{SegmentDurationV1: uint64(max(mediaMS, 0)), MediaTimeV1: 0, MediaRateInteger: 1},
	}})
	b.end()
}

// trakEnd closes stbl, minf, mdia and trak.
func trakEnd(b *builder) {
	b.end()
	b.end()
	b.end()
	b.end()
}
