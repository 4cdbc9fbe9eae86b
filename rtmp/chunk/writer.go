package chunk

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Writer splits messages into chunks. It is not safe for concurrent use:
// callers serialise WriteMessage, SetChunkSize and Flush.
//
// Each message is staged in an internal buffer that is reused (it grows to
// the largest message written) and handed to the underlying writer in one
// Write call, so a message is never interleaved with another writer's
// bytes and steady-state writing does not allocate.
//
// Header choice: fmt 0 for the first message on a chunk stream, when the
// message stream ID changes, when the timestamp goes backward or jumps by
// 0xFFFFFF or more (unless WrapDeltas); otherwise fmt 1 (type or length
// changed) or fmt 2 (only the delta). fmt 3 is used only for continuation chunks: a fmt 3 header
// starting a new message is read differently by nginx and by ffmpeg (see
// Reader), so the Writer never relies on it.
type Writer struct {
	// ExtendedType3 repeats the 4-byte extended timestamp on fmt 3
	// continuation chunks when the message header carried one, as the spec,
	// ffmpeg, FMLE and nginx do. go-rtmp's reader expects it absent.
	// NewWriter sets it to true.
	ExtendedType3 bool
	// WrapDeltas writes every message after the first on a chunk stream
	// (same message stream) with a fmt 1/2 delta in 32-bit arithmetic, as
	// librtmp does: a step back becomes a delta such as 0xFFFFFFF6, in the
	// extended field. Tests use it to publish like librtmp-based clients.
	WrapDeltas bool

	w         io.Writer
	chunkSize uint32
	buf       []byte
	fast      [fastStreams]wstream
	slow      map[uint32]*wstream
}

// wstream is the last header written on a chunk stream.
type wstream struct {
	used   bool
	sid    uint32
	typ    uint8
	length uint32
	ts     uint64
}

// NewWriter returns a Writer on w that starts with chunk size chunkSize
// (DefaultChunkSize when chunkSize <= 0).
func NewWriter(w io.Writer, chunkSize int) *Writer {
	wr := &Writer{w: w, ExtendedType3: true}
	wr.SetChunkSize(chunkSize)
	return wr
}

// SetChunkSize changes the chunk size used for the following messages
// (clamped to 1..MaxChunkSize; <= 0 means DefaultChunkSize). It changes the
// framing only: send SetChunkSizeMessage first so the peer knows.
func (w *Writer) SetChunkSize(n int) {
	switch {
	case n <= 0:
		n = DefaultChunkSize
	case n > MaxChunkSize:
		n = MaxChunkSize
	}
	w.chunkSize = uint32(n)
}

// ChunkSize reports the chunk size in use.
func (w *Writer) ChunkSize() uint32 { return w.chunkSize }

// Flush flushes the underlying writer if it buffers (has Flush() error).
func (w *Writer) Flush() error {
	if f, ok := w.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			return fmt.Errorf("chunk: flush: %w", err)
		}
	}
	return nil
}

func (w *Writer) state(csid uint32) *wstream {
	if csid < fastStreams {
		return &w.fast[csid]
	}
	ws := w.slow[csid]
	if ws == nil {
		if w.slow == nil {
			w.slow = make(map[uint32]*wstream)
		}
		ws = &wstream{}
		w.slow[csid] = ws
	}
	return ws
}

// WriteMessage writes m as chunks in a single Write on the underlying
// writer. m.Timestamp is sent modulo 2^32, in the extended field when it
// (or the delta) is 0xFFFFFF or more.
func (w *Writer) WriteMessage(m *Message) error {
	if m.CSID < MinCSID || m.CSID > MaxCSID {
		return fmt.Errorf("chunk: write: chunk stream id %d: %w", m.CSID, ErrBadChunk)
	}
	n := len(m.Payload)
	if n > maxLength {
		return fmt.Errorf("chunk: write: %d-byte message: %w", n, ErrMessageTooLarge)
	}
	ws := w.state(m.CSID)
	f, field := ws.choose(m, w.WrapDeltas)
	ext := field >= 0xFFFFFF
	cs := int(w.chunkSize)
	conts := 0
	if n > cs {
		conts = (n - 1) / cs
	}
	need := 3 + 11 + 4 + n + conts*(3+4)
	if cap(w.buf) < need {
		w.buf = make([]byte, 0, need)
	}
	b := appendHeader(w.buf[:0], f, m, field)
	first := min(n, cs)
	b = append(b, m.Payload[:first]...)
	for off := first; off < n; off += cs {
		b = appendBasic(b, 3, m.CSID)
		if ext && w.ExtendedType3 {
			b = binary.BigEndian.AppendUint32(b, field)
		}
		b = append(b, m.Payload[off:min(n, off+cs)]...)
	}
	w.buf = b
	*ws = wstream{used: true, sid: m.StreamID, typ: m.Type, length: uint32(n), ts: m.Timestamp}
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("chunk: write csid %d: %w", m.CSID, err)
	}
	return nil
}

// choose picks the header fmt for m and the timestamp field to send
// (absolute for fmt 0, delta otherwise), before extension.
func (ws *wstream) choose(m *Message, wrap bool) (byte, uint32) {
	if !ws.used || m.StreamID != ws.sid {
		return 0, uint32(m.Timestamp)
	}
	if !wrap && (m.Timestamp < ws.ts || m.Timestamp-ws.ts >= 0xFFFFFF) {
		return 0, uint32(m.Timestamp)
	}
	delta := uint32(m.Timestamp - ws.ts) // modulo 2^32
	if m.Type != ws.typ || uint32(len(m.Payload)) != ws.length {
		return 1, delta
	}
	return 2, delta
}

// appendBasic appends a basic header in the shortest form for csid.
func appendBasic(b []byte, f byte, csid uint32) []byte {
	switch {
	case csid < 64:
		return append(b, f<<6|byte(csid))
	case csid < 320:
		return append(b, f<<6, byte(csid-64))
	default:
		return append(b, f<<6|1, byte(csid-64), byte((csid-64)>>8))
	}
}

// appendHeader appends the basic and message header of the first chunk.
func appendHeader(b []byte, f byte, m *Message, field uint32) []byte {
	b = appendBasic(b, f, m.CSID)
	t := min(field, 0xFFFFFF)
	b = append(b, byte(t>>16), byte(t>>8), byte(t))
	if f <= 1 {
		n := uint32(len(m.Payload))
		b = append(b, byte(n>>16), byte(n>>8), byte(n), m.Type)
	}
	if f == 0 {
		b = binary.LittleEndian.AppendUint32(b, m.StreamID)
	}
	if field >= 0xFFFFFF {
		b = binary.BigEndian.AppendUint32(b, field)
	}
	return b
}
