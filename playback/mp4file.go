package playback

import (
	"errors"
	"io"
	"math"
	"sort"

	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// MP4File is a progressive, faststart MP4 of a plan that exists only as
// its header in memory and a map of where each run of its mdat comes
// from: an io.ReadSeeker for http.ServeContent (Range requests), reading
// media from the sources as it is read.
type MP4File struct {
	head    []byte // ftyp, moov, mdat header
	runs    []run
	readers []io.ReaderAt // the sources' files, indexed by run.r
	size    int64
	pos     int64
	srcs    []Source
	Walked  Walked
}

// run is a contiguous piece of the mdat: n bytes at src in readers[r],
// placed at out in the file. 24 bytes: an hour holds ~200k runs (a
// run breaks wherever the walk switches track).
type run struct {
	out, src int64
	n        uint32
	r        uint32
}

// runMap counts and builds the runs in the order the walk gives samples;
// the first pass counts them so that the second allocates them once.
type runMap struct {
	lastR   io.ReaderAt
	lastEnd int64
	lastN   uint32
	count   int
}

// extends reports whether a sample of size at off in r continues the
// current run, and makes it the current run's end.
func (m *runMap) extends(r io.ReaderAt, off int64, size uint32) bool {
	ok := m.count > 0 && r == m.lastR && off == m.lastEnd && uint64(m.lastN)+uint64(size) <= math.MaxUint32
	if ok {
		m.lastN += size
	} else {
		m.count++
		m.lastN = size
	}
	m.lastR, m.lastEnd = r, off+int64(size)
	return ok
}

// bytesAt is an io.WriterAt over a fixed slice.
type bytesAt []byte

func (b bytesAt) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(b)) {
		return 0, errors.New("playback: write outside the movie header")
	}
	return copy(b[off:], p), nil
}

// NewMP4File walks the plan twice: once to count what the sample tables
// will hold, once to fill them and map the mdat.
func (p *Plan) NewMP4File() (*MP4File, error) {
	tracks, err := mp4Tracks(p.Video, p.Audio)
	if err != nil {
		return nil, err
	}
	stats := make([]mp4box.Stats, len(tracks))
	start := make([]int64, len(tracks))
	idx := func(o *Out) int {
		if o.Video || p.Video == nil {
			return 0
		}
		return 1
	}
	var data int64
	var runs runMap
	wk, err := p.Walk(func(o *Out) error {
		runs.extends(o.R, o.Off, o.Size)
		i := idx(o)
		if stats[i].N == 0 {
			start[i] = o.DTS
		}
		per := tracks[i].PerMS()
		stats[i].Add((o.DTS-start[i])*per, int64(o.CTS)*per, o.Key)
		data += int64(o.Size)
		return nil
	})
	p.Close()
	if err != nil {
		return nil, err
	}
	mt := make([]mp4box.MoovTrack, len(tracks))
	for i, t := range tracks {
		mt[i] = mp4box.MoovTrack{Track: t, Stats: &stats[i], StartMS: start[i]}
	}
	moov, err := mp4box.BuildMoov(mt)
	if err != nil {
		return nil, err
	}
	ftyp := mp4box.Ftyp()
	head := make(bytesAt, int64(len(ftyp))+moov.Size+16)
	copy(head, ftyp)
	if err := moov.WriteAt(head, int64(len(ftyp))); err != nil {
		return nil, err
	}
	mdat := head[int64(len(ftyp))+moov.Size:]
	be.PutUint32(mdat, 1)
	copy(mdat[4:], "mdat")
	be.PutUint64(mdat[8:], uint64(16+data))
	f := &MP4File{head: head, size: int64(len(head)) + data, Walked: wk, runs: make([]run, 0, runs.count)}
	err = f.fill(p, moov.TableWriters(head, int64(len(ftyp))), tracks, start, idx)
	f.srcs = p.take()
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Close closes the recordings the file reads from.
func (f *MP4File) Close() error {
	for _, s := range f.srcs {
		s.Close()
	}
	f.srcs = nil
	return nil
}

// fill is the second walk: sample tables and the mdat map.
func (f *MP4File) fill(p *Plan, tw []*mp4box.TableWriter, tracks []*mp4box.Track, start []int64, idx func(*Out) int) error {
	out := int64(len(f.head))
	var runs runMap
	_, err := p.Walk(func(o *Out) error {
		i := idx(o)
		per := tracks[i].PerMS()
		tw[i].Add((o.DTS-start[i])*per, int64(o.CTS)*per, o.Size, o.Key, out)
		if runs.extends(o.R, o.Off, o.Size) {
			f.runs[len(f.runs)-1].n += o.Size
		} else {
			if len(f.readers) == 0 || f.readers[len(f.readers)-1] != o.R {
				f.readers = append(f.readers, o.R)
			}
			f.runs = append(f.runs, run{out: out, src: o.Off, n: o.Size, r: uint32(len(f.readers) - 1)})
		}
		out += int64(o.Size)
		return nil
	})
	if err != nil {
		return err
	}
	if out != f.size {
		return errors.New("playback: the recordings changed between the two passes")
	}
	for _, t := range tw {
		if err := t.Finish(); err != nil {
			return err
		}
	}
	return nil
}

// Size is the file's length.
func (f *MP4File) Size() int64 { return f.size }

func (f *MP4File) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += f.pos
	case io.SeekEnd:
		off += f.size
	}
	if off < 0 {
		return 0, errors.New("playback: negative seek")
	}
	f.pos = off
	return off, nil
}

// Read reads from the header, then from the runs' sources.
func (f *MP4File) Read(p []byte) (int, error) {
	n, err := f.ReadAt(p, f.pos)
	f.pos += int64(n)
	return n, err
}

// ReadAt reads the virtual file at off.
func (f *MP4File) ReadAt(p []byte, off int64) (int, error) {
	done := 0
	for len(p) > 0 {
		if off >= f.size {
			return done, io.EOF
		}
		var n int
		var err error
		if off < int64(len(f.head)) {
			n = copy(p, f.head[off:])
		} else {
			n, err = f.readRun(p, off)
		}
		done, p, off = done+n, p[n:], off+int64(n)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// readRun reads from the run holding off.
func (f *MP4File) readRun(p []byte, off int64) (int, error) {
	i := sort.Search(len(f.runs), func(i int) bool { return f.runs[i].out+int64(f.runs[i].n) > off })
	if i == len(f.runs) {
		return 0, io.EOF
	}
	r := f.runs[i]
	k := min(int64(len(p)), r.out+int64(r.n)-off)
	n, err := f.readers[r.r].ReadAt(p[:k], r.src+off-r.out)
	if err == io.EOF && int64(n) == k {
		err = nil
	}
	return n, err
}
