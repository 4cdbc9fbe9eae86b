package mp4box

import gomp4 "github.com/abema/go-mp4"

// Patch is 8 bytes to write in place: a 64-bit duration field.
type Patch struct {
	Off int64
	Val uint64
}

// Init is an fMP4 initialization segment (ftyp and moov with mvex), with
// room for the durations written at close: every duration field is a
// version 1 (64-bit) field, zero until then.
type Init struct {
	Bytes  []byte
	mvhd   int64
	mehd   int64
	tracks []*Track
	tkhd   []int64
	mdhd   []int64
}

// BuildInit lays out the initialization segment of tracks.
func BuildInit(tracks []*Track) (*Init, error) {
	b := newBuilder()
	ftyp(b, true)
	b.start("moov")
	in := &Init{tracks: tracks}
	in.mvhd = mvhd(b, 0, uint32(len(tracks)+1))
	for _, t := range tracks {
		tk, md := trakHeader(b, t, 0, 0, 0)
		for _, x := range []gomp4.IImmutableBox{&gomp4.Stts{}, &gomp4.Stsc{}, &gomp4.Stsz{}, &gomp4.Stco{}} {
			b.box(x)
		}
		trakEnd(b)
		in.tkhd, in.mdhd = append(in.tkhd, tk), append(in.mdhd, md)
	}
	b.start("mvex")
	in.mehd = b.pos() + mehdDurationAt
	b.box(&gomp4.Mehd{FullBox: gomp4.FullBox{Version: 1}})
	for _, t := range tracks {
		b.box(&gomp4.Trex{TrackID: t.ID, DefaultSampleDescriptionIndex: 1})
	}
	b.end()
	b.end()
	l, err := b.layout()
	if err != nil {
		return nil, err
	}
	in.Bytes = l.Bytes()
	return in, nil
}

// Patches are the in-place writes that record a finished file's
// durations: the movie's in ms, each track's in its timescale.
func (in *Init) Patches(durMS int64, media []int64) []Patch {
	p := []Patch{{in.mvhd, uint64(durMS)}, {in.mehd, uint64(durMS)}}
	for i := range in.tracks {
		p = append(p, Patch{in.tkhd[i], uint64(durMS)})
		if i < len(media) {
			p = append(p, Patch{in.mdhd[i], uint64(media[i])})
		}
	}
	return p
}

// ResumeInit is the Init of an existing file's initialization segment,
// for the patches at close: the file offsets of its 64-bit duration
// fields (mvhd, mehd, and per track tkhd and mdhd).
func ResumeInit(mvhd, mehd int64, tkhd, mdhd []int64) *Init {
	return &Init{mvhd: mvhd, mehd: mehd, tracks: make([]*Track, len(tkhd)), tkhd: tkhd, mdhd: mdhd}
}
