package mp4check

// Sample is one sample as the file describes it, times in the track's
// timescale.
type Sample struct {
	DTS, PTS int64
	Sync     bool
	Size     uint32
}

// tableSamples lists the samples of a progressive track whose tables
// checkStbl has validated: decode times from stts, composition offsets
// from ctts, sync flags from stss (every sample without it).
func (f *file) tableSamples(stbl *box, n int, sizes sampleSizes) []Sample {
	out := make([]Sample, 0, n)
	r := reader{b: stbl.child("stts").payload()}
	r.full()
	var dts int64
	for range r.count(8) {
		c, d := int(r.u32()), int64(r.u32())
		for range c {
			out = append(out, Sample{DTS: dts, PTS: dts, Sync: true})
			dts += d
		}
	}
	for i := range out {
		if sizes.fixed != 0 {
			out[i].Size = sizes.fixed
		} else {
			out[i].Size = sizes.each[i]
		}
	}
	if b := stbl.child("ctts"); b != nil {
		r := reader{b: b.payload()}
		v, _ := r.full()
		i := 0
		for range r.count(8) {
			c, o := int(r.u32()), r.u32()
			off := int64(o)
			if v == 1 {
				off = int64(int32(o))
			}
			for range c {
				out[i].PTS += off
				i++
			}
		}
	}
	if b := stbl.child("stss"); b != nil {
		for i := range out {
			out[i].Sync = false
		}
		r := reader{b: b.payload()}
		r.full()
		for range r.count(4) {
			out[r.u32()-1].Sync = true
		}
	}
	return out
}
