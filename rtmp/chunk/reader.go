package chunk

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// fastStreams is how many low chunk stream IDs are looked up by index
// instead of through the map; encoders use IDs 2–10 in practice.
const fastStreams = 64

// Reader reassembles RTMP messages from a chunk stream. It is not safe for
// concurrent use.
//
// Memory: a chunk stream's reassembly buffer grows with the bytes actually
// received (never from a length the peer merely announces) up to
// maxMessage (rounded up to a power of two past 8 KiB), and at most
// MaxStreams chunk streams are tracked (fewer after SetLimits), so one
// connection holds at most MaxStreams × 2 × maxMessage bytes of payload,
// and only if the peer sends them. PartialBytes and OldestPartial let the
// caller bound what unfinished messages hold across connections, and for
// how long. Buffers over 8 KiB are borrowed from a process-wide pool for one
// message and given back when the next ReadMessage starts, so an idle or
// steady publisher holds at most 8 KiB per chunk stream between messages.
// The chunk size only limits how much is read per chunk, so SetChunkSize
// 0x7FFFFFFF costs nothing.
type Reader struct {
	br         Source
	maxMessage uint32
	maxStreams int
	chunkSize  uint32
	n          uint64 // bytes consumed, for acknowledgements
	partials   int    // chunk streams holding part of a message
	held       int    // payload bytes of those partial messages
	clock      int64  // SetClock's time, stamped on messages as they start
	count      int    // chunk streams tracked
	fast       [fastStreams]*stream
	slow       map[uint32]*stream
	msg        Message // reused for every returned message
	done       *stream // the stream of the last message returned, to release
	agg        aggregate
	hdr        [16]byte
}

// Source is the buffered reader a Reader reads from, as *bufio.Reader
// implements it: Peek and Discard serve the extended timestamp check.
type Source interface {
	io.Reader
	io.ByteReader
	Peek(n int) ([]byte, error)
	Discard(n int) (int, error)
}

// NewReader returns a Reader on r with the given maximum message size
// (DefaultMaxMessage when maxMessage <= 0). r is usually a Source on the
// connection (a *bufio.Reader, or the server's pooled reader); any other
// reader is wrapped in a bufio.Reader, which may read ahead.
func NewReader(r io.Reader, maxMessage int) *Reader {
	br, ok := r.(Source)
	if !ok {
		br = bufio.NewReaderSize(r, 16<<10)
	}
	rd := &Reader{br: br, chunkSize: DefaultChunkSize}
	rd.SetLimits(maxMessage, MaxStreams)
	return rd
}

// SetLimits changes the largest message accepted from the next message
// on (DefaultMaxMessage when maxMessage <= 0) and how many chunk streams
// may be tracked (at most MaxStreams; streams already tracked stay). A
// server starts a connection with small limits, enough for connect, and
// raises them once the client is known.
func (r *Reader) SetLimits(maxMessage, maxStreams int) {
	if maxMessage <= 0 {
		maxMessage = DefaultMaxMessage
	}
	r.maxMessage = uint32(min(maxMessage, maxLength))
	r.maxStreams = min(max(maxStreams, 1), MaxStreams)
}

// SetClock sets the time (in any unit the caller likes) that messages
// starting from now on are stamped with, for OldestPartial.
func (r *Reader) SetClock(now int64) { r.clock = now }

// PartialBytes reports the payload bytes held by messages that have
// started but not completed.
func (r *Reader) PartialBytes() int { return r.held }

// OldestPartial returns the SetClock time at which the oldest message that
// has started but not completed got its first chunk; ok is false when no
// message is partial.
func (r *Reader) OldestPartial() (started int64, ok bool) {
	if r.partials == 0 {
		return 0, false
	}
	visit := func(st *stream) {
		if st != nil && st.open && (!ok || st.since < started) {
			started, ok = st.since, true
		}
	}
	for _, st := range r.fast {
		visit(st)
	}
	for _, st := range r.slow {
		visit(st)
	}
	return started, ok
}

// BytesRead reports how many bytes of chunk stream the Reader has consumed,
// for Acknowledgement messages.
func (r *Reader) BytesRead() uint64 { return r.n }

// ChunkSize reports the peer's current chunk size.
func (r *Reader) ChunkSize() uint32 { return r.chunkSize }

// ReadMessage returns the next complete message. The returned Message and
// its Payload are reused: they are valid until the next call.
//
// SetChunkSize and Abort are applied by the Reader itself and returned too,
// so callers can log them. Aggregate messages are never returned: their
// sub-messages come out one by one with computed timestamps. AMF3 command
// and data messages (17, 15) are returned unchanged.
//
// Errors: io.EOF when the peer closes at a message boundary (with no partial
// message pending); otherwise wrapped io.ErrUnexpectedEOF, ErrMessageTooLarge,
// ErrTooManyStreams, ErrBadChunk, ErrBadControl, or ErrBadAggregate (after
// which reading may continue).
func (r *Reader) ReadMessage() (*Message, error) {
	for {
		if r.agg.pending() {
			m, err := r.nextSub()
			if m != nil || err != nil {
				return m, err
			}
		}
		if r.done != nil {
			// The caller is done with the last message (and every
			// sub-message of an aggregate): its buffer can go back.
			r.done.release()
			r.done = nil
		}
		st, err := r.readChunk()
		if err != nil {
			return nil, err
		}
		if st == nil {
			continue // message not complete yet
		}
		r.done = st
		m := &r.msg
		*m = Message{CSID: st.csid, Type: st.typ, StreamID: st.sid, Timestamp: st.timestamp(), Payload: st.buf[:st.length]}
		switch m.Type {
		case TypeSetChunkSize:
			n, err := ParseSetChunkSize(m.Payload)
			if err != nil {
				return nil, fmt.Errorf("chunk: set chunk size: %w", err)
			}
			r.chunkSize = n
		case TypeAbort:
			id, err := ParseAbort(m.Payload)
			if err != nil {
				return nil, fmt.Errorf("chunk: abort: %w", err)
			}
			r.abort(id)
		case TypeAggregate:
			r.agg.start(m)
			continue
		}
		return m, nil
	}
}

// abort drops the partial message of chunk stream id, if any.
func (r *Reader) abort(id uint32) {
	st := r.lookup(id)
	if st != nil && st.open {
		r.dropPartial(st)
	}
}

// dropPartial forgets the partial message of st.
func (r *Reader) dropPartial(st *stream) {
	r.held -= int(st.have)
	st.open, st.have = false, 0
	r.partials--
	st.release()
}

func (r *Reader) lookup(csid uint32) *stream {
	if csid < fastStreams {
		return r.fast[csid]
	}
	return r.slow[csid]
}

// streamFor returns the state of csid, creating it for a fmt 0 or fmt 1
// chunk. fmt 1 is accepted on a fresh stream because librtmp-based clients
// send some control messages that way; nginx reads them against a zero
// header, and so do we. fmt 2 and 3 carry no length, so they cannot start one.
func (r *Reader) streamFor(csid uint32, f byte) (*stream, error) {
	if st := r.lookup(csid); st != nil {
		return st, nil
	}
	if f >= 2 {
		return nil, fmt.Errorf("chunk: fmt %d chunk on new chunk stream %d: %w", f, csid, ErrBadChunk)
	}
	if r.count >= r.maxStreams {
		return nil, fmt.Errorf("chunk: chunk stream %d beyond %d streams: %w", csid, r.maxStreams, ErrTooManyStreams)
	}
	st := &stream{csid: csid}
	r.count++
	if csid < fastStreams {
		r.fast[csid] = st
	} else {
		if r.slow == nil {
			r.slow = make(map[uint32]*stream)
		}
		r.slow[csid] = st
	}
	return st, nil
}

// readFull reads exactly len(b) bytes and counts them.
func (r *Reader) readFull(b []byte, what string) error {
	n, err := io.ReadFull(r.br, b)
	r.n += uint64(n)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("chunk: read %s: %w", what, err)
	}
	return nil
}
