package flv

// maxIndex caps the keyframe index of one file (entries in memory and in
// the onMetaData tag): 4096 entries are 64 KiB in memory and 72 KiB in
// the file. A longer file keeps a sparser index over its whole length.
const maxIndex = 4096

// keyIndex is a file's keyframe index: the timestamp (ms) and tag offset
// of every stride-th keyframe, starting with the first. When it reaches
// its limit it drops every other entry and doubles the stride, so memory
// stays bounded over a file of any length and the index still covers
// the whole file evenly (a 24 h file with 2 s GOPs keeps every 16th
// keyframe: one entry per 32 s).
type keyIndex struct {
	times  []int64
	pos    []int64
	stride int64
	count  int64 // keyframes offered so far
	limit  int   // even, ≥ 2
}

// indexStart caps what an index allocates up front: 64 entries (1 KiB),
// two minutes of 2 s GOPs. It then grows by doubling as keyframes come,
// six times at most on the way to maxIndex (64 KiB, reached after 2¼ hours
// of 2 s GOPs), so a file costs the memory its index actually holds and a
// few hundred publishers do not each reserve 64 KiB from the start.
const indexStart = 64

// newKeyIndex returns an index of at most limit entries with room for
// min(expect, indexStart) of them.
func newKeyIndex(limit, expect int) keyIndex {
	limit = max(limit&^1, 2)
	expect = min(max(expect, 0), limit, indexStart)
	return keyIndex{times: make([]int64, 0, expect), pos: make([]int64, 0, expect), stride: 1, limit: limit}
}

// add records a keyframe at ts (ms) whose tag starts at byte pos.
func (x *keyIndex) add(ts, pos int64) {
	if x.count%x.stride == 0 {
		if len(x.times) == x.limit {
			x.halve()
		}
		if x.count%x.stride == 0 {
			if len(x.times) == cap(x.times) { // grow, but never past limit
				c := min(max(2*cap(x.times), indexStart), x.limit)
				x.times, x.pos = append(make([]int64, 0, c), x.times...), append(make([]int64, 0, c), x.pos...)
			}
			x.times = append(x.times, ts)
			x.pos = append(x.pos, pos)
		}
	}
	x.count++
}

// halve keeps entries 0, 2, 4, ... and doubles the stride.
func (x *keyIndex) halve() {
	n := 0
	for i := 0; i < len(x.times); i += 2 {
		x.times[n], x.pos[n] = x.times[i], x.pos[i]
		n++
	}
	x.times, x.pos = x.times[:n], x.pos[:n]
	x.stride *= 2
}

// trim drops entries at or past size: tags that never reached the file
// after a write error.
func (x *keyIndex) trim(size int64) {
	n := len(x.pos)
	for n > 0 && x.pos[n-1] >= size {
		n--
	}
	x.times, x.pos = x.times[:n], x.pos[:n]
}
