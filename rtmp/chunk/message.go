// Package chunk reads and writes the RTMP chunk stream: the framing layer
// under RTMP messages (basic header, message header fmt 0–3, extended
// timestamps) plus the protocol control messages the session needs.
//
// The Reader is written for untrusted peers: memory is bounded by the
// configured maximum message size and a cap on tracked chunk streams, not by
// anything the peer announces, and the steady-state read path does not
// allocate.
package chunk

import "errors"

// Message type IDs used by RTMP.
const (
	TypeSetChunkSize     = 1
	TypeAbort            = 2
	TypeAck              = 3
	TypeUserControl      = 4
	TypeWindowAckSize    = 5
	TypeSetPeerBandwidth = 6
	TypeAudio            = 8
	TypeVideo            = 9
	TypeDataAMF3         = 15
	TypeCommandAMF3      = 17
	TypeDataAMF0         = 18
	TypeCommandAMF0      = 20
	TypeAggregate        = 22
)

// Chunk stream ID limits: IDs 0 and 1 are markers for the 2- and 3-byte
// basic header forms, so real IDs run from 2 to 65599.
const (
	MinCSID = 2
	MaxCSID = 65599
)

// Limits applied by the Reader.
const (
	// DefaultMaxMessage is used when NewReader gets maxMessage <= 0; it is
	// nginx-rtmp's max_message default (1M).
	DefaultMaxMessage = 1 << 20
	// MaxStreams caps the chunk streams one Reader tracks. Real encoders use
	// fewer than ten; the cap keeps a peer that cycles through thousands of
	// IDs from growing per-stream state without bound.
	MaxStreams = 64
	// DefaultChunkSize is the chunk size both directions start with.
	DefaultChunkSize = 128
	// MaxChunkSize is the largest chunk size SetChunkSize can announce (31 bits).
	MaxChunkSize = 0x7FFFFFFF
	// maxLength is the largest length the 24-bit header field can carry.
	maxLength = 0xFFFFFF
)

// Message is one complete RTMP message.
type Message struct {
	// CSID is the chunk stream the message arrived on (or is sent on).
	CSID uint32
	// Type is the message type ID (TypeAudio, TypeCommandAMF0, ...).
	Type uint8
	// StreamID is the message stream ID (0 for control and NetConnection).
	StreamID uint32
	// Timestamp is on a 64-bit timeline per chunk stream, so it never wraps;
	// the Writer sends it modulo 2^32.
	Timestamp uint64
	// Payload is the message body. On a message returned by Reader it is
	// owned by the Reader and valid only until the next ReadMessage.
	Payload []byte
}

// Errors returned (wrapped) by the Reader and Writer; compare with errors.Is.
var (
	// ErrMessageTooLarge: a header announced a message longer than the
	// Reader's maxMessage (or a Writer was given one over 16 MiB−1).
	ErrMessageTooLarge = errors.New("message too large")
	// ErrTooManyStreams: the peer used more than MaxStreams chunk stream IDs.
	ErrTooManyStreams = errors.New("too many chunk streams")
	// ErrBadChunk: the chunk framing is invalid; the connection cannot go on.
	ErrBadChunk = errors.New("bad chunk")
	// ErrBadAggregate: an aggregate message is malformed. The framing is
	// intact, so a caller may log it and keep reading; the rest of that
	// aggregate is dropped.
	ErrBadAggregate = errors.New("bad aggregate message")
	// ErrBadControl: a protocol control payload is too short or invalid.
	ErrBadControl = errors.New("bad control message")
)
