package flv

import "fmt"

// metaPlan is a file's reserved onMetaData tag and what goes into it.
type metaPlan struct {
	fields  metaFields
	reserve int // body bytes of the reserved tag
	at      int64
	index   keyIndex
	lastTS  int64 // largest timestamp in the file (ms), buffered tags included
	diskTS  int64 // lastTS when the buffer was last empty
	vn      int64 // video frames written, for a computed framerate
	vfirst  int64
	vlast   int64
}

// patch writes the final metadata and the flags byte.
func (w *flvWriter) patch() error {
	if m := w.meta; m != nil {
		m.index.trim(w.size)
		d := metaDoc{f: &m.fields, final: true, duration: float64(m.lastTS) / 1000, filesize: w.size,
			times: m.index.times, pos: m.index.pos}
		if m.vn > 1 && m.vlast > m.vfirst {
			d.rate = math3(float64(m.vn-1) * 1000 / float64(m.vlast-m.vfirst))
		}
		if body, ok := d.fit(m.reserve); ok {
			if _, err := w.f.WriteAt(body, m.at+flvTagHeader); err != nil {
				return fmt.Errorf("write metadata: %w", err)
			}
		}
	}
	flags := [1]byte{w.flags}
	_, err := w.f.WriteAt(flags[:], 4)
	return err
}

// math3 rounds to three decimals.
func math3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
