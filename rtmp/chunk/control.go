package chunk

import (
	"encoding/binary"
	"fmt"
)

// ControlCSID is the chunk stream protocol control messages travel on.
const ControlCSID = 2

// User control event types (payload of TypeUserControl messages).
const (
	EventStreamBegin      = 0
	EventStreamEOF        = 1
	EventStreamDry        = 2
	EventSetBufferLength  = 3
	EventStreamIsRecorded = 4
	EventPingRequest      = 6
	EventPingResponse     = 7
)

// Limit types of SetPeerBandwidth.
const (
	LimitHard    = 0
	LimitSoft    = 1
	LimitDynamic = 2
)

// control returns a protocol control message on chunk stream 2, stream 0.
func control(typ uint8, payload []byte) *Message {
	return &Message{CSID: ControlCSID, Type: typ, Payload: payload}
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(make([]byte, 0, 4), v) }

// SetChunkSizeMessage returns a SetChunkSize message announcing n (the top
// bit is cleared, as the spec reserves it).
func SetChunkSizeMessage(n uint32) *Message {
	return control(TypeSetChunkSize, be32(n&MaxChunkSize))
}

// AbortMessage returns an Abort message for chunk stream csid.
func AbortMessage(csid uint32) *Message { return control(TypeAbort, be32(csid)) }

// AckMessage returns an Acknowledgement of seq bytes received.
func AckMessage(seq uint32) *Message { return control(TypeAck, be32(seq)) }

// WindowAckSizeMessage returns a Window Acknowledgement Size message.
func WindowAckSizeMessage(n uint32) *Message { return control(TypeWindowAckSize, be32(n)) }

// SetPeerBandwidthMessage returns a Set Peer Bandwidth message.
func SetPeerBandwidthMessage(n uint32, limit uint8) *Message {
	return control(TypeSetPeerBandwidth, append(be32(n), limit))
}

// UserControlMessage returns a user control message with event ev followed
// by each value as a 32-bit big-endian field.
func UserControlMessage(ev uint16, values ...uint32) *Message {
	p := binary.BigEndian.AppendUint16(make([]byte, 0, 2+4*len(values)), ev)
	for _, v := range values {
		p = binary.BigEndian.AppendUint32(p, v)
	}
	return control(TypeUserControl, p)
}

// StreamBeginMessage returns the StreamBegin user control event.
func StreamBeginMessage(streamID uint32) *Message {
	return UserControlMessage(EventStreamBegin, streamID)
}

// StreamEOFMessage returns the StreamEOF user control event.
func StreamEOFMessage(streamID uint32) *Message {
	return UserControlMessage(EventStreamEOF, streamID)
}

// PingRequestMessage returns a PingRequest carrying the server's timestamp.
func PingRequestMessage(timestamp uint32) *Message {
	return UserControlMessage(EventPingRequest, timestamp)
}

// PingResponseMessage returns a PingResponse echoing a PingRequest's timestamp.
func PingResponseMessage(timestamp uint32) *Message {
	return UserControlMessage(EventPingResponse, timestamp)
}

// SetBufferLengthMessage returns a SetBufferLength event (client to server).
func SetBufferLengthMessage(streamID, ms uint32) *Message {
	return UserControlMessage(EventSetBufferLength, streamID, ms)
}

// parse32 reads the first 4 bytes of a control payload; longer payloads
// are accepted, as nginx does.
func parse32(p []byte) (uint32, error) {
	if len(p) < 4 {
		return 0, fmt.Errorf("%d-byte payload: %w", len(p), ErrBadControl)
	}
	return binary.BigEndian.Uint32(p), nil
}

// ParseSetChunkSize returns the chunk size in a SetChunkSize payload, with
// the reserved top bit cleared; 0 is rejected.
func ParseSetChunkSize(p []byte) (uint32, error) {
	v, err := parse32(p)
	if err != nil {
		return 0, err
	}
	v &= MaxChunkSize
	if v == 0 {
		return 0, fmt.Errorf("chunk size 0: %w", ErrBadControl)
	}
	return v, nil
}

// ParseAbort returns the chunk stream ID in an Abort payload.
func ParseAbort(p []byte) (uint32, error) { return parse32(p) }

// ParseAck returns the sequence number in an Acknowledgement payload.
func ParseAck(p []byte) (uint32, error) { return parse32(p) }

// ParseWindowAckSize returns the window in a Window Acknowledgement Size payload.
func ParseWindowAckSize(p []byte) (uint32, error) { return parse32(p) }

// ParseSetPeerBandwidth returns the window and limit type of a Set Peer
// Bandwidth payload.
func ParseSetPeerBandwidth(p []byte) (n uint32, limit uint8, err error) {
	if len(p) < 5 {
		return 0, 0, fmt.Errorf("%d-byte payload: %w", len(p), ErrBadControl)
	}
	return binary.BigEndian.Uint32(p), p[4], nil
}

// UserControl is a decoded user control event.
type UserControl struct {
	// Event is the event type (EventStreamBegin, EventPingRequest, ...).
	Event uint16
	// Value is the stream ID (stream events, SetBufferLength) or the
	// timestamp (ping events).
	Value uint32
	// BufferLength is the buffer length in ms; SetBufferLength only.
	BufferLength uint32
}

// ParseUserControl decodes a user control payload. Unknown events with a
// 4-byte value are returned as they are so callers can ignore them.
func ParseUserControl(p []byte) (UserControl, error) {
	if len(p) < 6 {
		return UserControl{}, fmt.Errorf("user control: %d-byte payload: %w", len(p), ErrBadControl)
	}
	u := UserControl{Event: binary.BigEndian.Uint16(p), Value: binary.BigEndian.Uint32(p[2:])}
	if u.Event == EventSetBufferLength {
		if len(p) < 10 {
			return UserControl{}, fmt.Errorf("set buffer length: %d-byte payload: %w", len(p), ErrBadControl)
		}
		u.BufferLength = binary.BigEndian.Uint32(p[6:])
	}
	return u, nil
}
