package hub

import "github.com/rtmprecd/rtmprecd/media"

// Bounds of the GOP cache: a GOP longer than either is not cached (the
// cache empties until the next key frame), so a hostile publisher that
// never sends a key frame cannot grow it.
const (
	maxGOPFrames = 4096
	maxGOPBytes  = 32 << 20
)

// gopCache holds copies of a video stream's frames since its last key
// frame (the audio between them included). Its slots are reused from one
// GOP to the next. A stream without video caches nothing: each audio
// frame is a random access point.
type gopCache struct {
	slots []slot
	n     int
	bytes int64
	over  bool // the current GOP outgrew the bounds: wait for a key frame
}

// add appends f, starting over at each video key frame.
func (g *gopCache) add(f *media.Frame, video bool) {
	if !video || f.Type == media.TypeData {
		return
	}
	if f.Type == media.TypeVideo && f.Keyframe && !f.SeqHeader {
		g.n, g.bytes, g.over = 0, 0, false
	} else if g.n == 0 || g.over {
		return // no key frame yet in this cache
	}
	if g.n == maxGOPFrames || g.bytes+int64(len(f.Payload)) > maxGOPBytes {
		g.n, g.bytes, g.over = 0, 0, true
		return
	}
	if g.n == len(g.slots) {
		g.slots = append(g.slots, slot{})
	}
	g.slots[g.n].set(f)
	g.bytes += int64(len(f.Payload))
	g.n++
}

// replay queues the cached GOP for a reader that just attached.
func (g *gopCache) replay(q *queue) {
	for i := range g.n {
		q.push(&g.slots[i].frame)
	}
}
