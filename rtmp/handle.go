package rtmp

import (
	"encoding/binary"
	"errors"

	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

var errEmptyAMF3 = errors.New("AMF3 message without body")

// handle dispatches one complete message read by the chunk reader, then
// acknowledges received bytes when the peer's window is reached.
func (s *Session) handle(m *chunk.Message) error {
	if err := s.dispatch(m); err != nil {
		return err
	}
	if s.peerWindow > 0 {
		if n := s.rd.BytesRead(); n-s.lastAck >= s.peerWindow {
			s.lastAck = n
			return s.sendAck(n)
		}
	}
	return nil
}

func (s *Session) dispatch(m *chunk.Message) error {
	switch m.Type {
	case chunk.TypeAudio, chunk.TypeVideo:
		return s.onMedia(m)
	case chunk.TypeDataAMF0:
		return s.onData(m, m.Payload)
	case chunk.TypeCommandAMF0:
		return s.onCommand(m, m.Payload)
	case chunk.TypeDataAMF3, chunk.TypeCommandAMF3:
		// nginx-rtmp skips the first byte and reads the rest as AMF0.
		if len(m.Payload) == 0 {
			return errEmptyAMF3
		}
		if m.Type == chunk.TypeDataAMF3 {
			return s.onData(m, m.Payload[1:])
		}
		return s.onCommand(m, m.Payload[1:])
	case chunk.TypeWindowAckSize:
		if len(m.Payload) >= 4 {
			s.peerWindow = uint64(binary.BigEndian.Uint32(m.Payload))
		}
	case chunk.TypeUserControl:
		return s.onUserControl(m.Payload)
	}
	// SetChunkSize and Abort are applied by the reader; Ack and
	// SetPeerBandwidth from a publisher need nothing from us.
	return nil
}

// onUserControl answers pings; other events need no answer.
func (s *Session) onUserControl(p []byte) error {
	if len(p) >= 6 && binary.BigEndian.Uint16(p) == chunk.EventPingRequest {
		return s.sendControl(chunk.PingResponseMessage(binary.BigEndian.Uint32(p[2:])))
	}
	return nil
}
