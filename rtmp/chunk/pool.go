package chunk

import (
	"math/bits"
	"sync"
)

// Reassembly buffers: a chunk stream keeps a small buffer of its own for
// the messages that fit (audio, commands, most inter frames) and borrows
// a larger one from a process-wide pool for the rest (keyframes), giving
// it back once the caller is done with the message. A publisher's
// connection then holds a keyframe-sized buffer only while a keyframe is
// arriving, instead of one per connection for its whole life, which is
// what makes memory per stream small at hundreds of streams.
const (
	// ownMax is the largest buffer a chunk stream keeps between messages.
	ownMax = 8 << 10
	// minPoolShift is the smallest pooled class (16 KiB, the first above
	// ownMax); classes go by powers of two up to the largest message.
	minPoolShift = 14
	maxPoolShift = 24 // 16 MiB ≥ maxLength
)

// pools holds one sync.Pool per power-of-two class. Entries are *[]byte
// so that Put does not allocate; the GC empties the pools, so a burst of
// keyframes does not pin memory for long.
var pools [maxPoolShift - minPoolShift + 1]sync.Pool

// class is the pool class whose buffers hold n bytes (n > ownMax).
func class(n uint32) int {
	s := bits.Len32(n - 1)
	return max(s, minPoolShift) - minPoolShift
}

// pooled returns a buffer from the pool of n's class, or nil when that
// pool is empty: the caller then allocates only for bytes it received.
func pooled(n uint32) *[]byte {
	if b, ok := pools[class(n)].Get().(*[]byte); ok {
		return b
	}
	return nil
}

// newPooled allocates a buffer of at least n bytes, sized to n's class so
// that it can go back to that class's pool.
func newPooled(n uint32) *[]byte {
	b := make([]byte, 1<<(class(n)+minPoolShift))
	return &b
}

// recycle gives b back to its class's pool.
func recycle(b *[]byte) {
	c := cap(*b)
	*b = (*b)[:c]
	pools[class(uint32(c))].Put(b)
}
