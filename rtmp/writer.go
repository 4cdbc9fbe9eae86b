package rtmp

import (
	"errors"
	"fmt"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// Chunk stream ids of what we send, as nginx-rtmp uses them.
const (
	csidControl = 2 // protocol control and user control messages
	csidCommand = 3 // replies to connect, createStream and other calls
	csidStatus  = 5 // onStatus and other notifications
)

var errWriteBroken = errors.New("connection output failed earlier")

// maxWriteTimeout caps the wait of any write: a publisher only receives
// small control messages and statuses, so a write that cannot finish in
// this long means the client stopped reading, and SendStatus callers
// (recorders, control requests) must not wait on it for the whole timeout.
const maxWriteTimeout = 10 * time.Second

// writeTimeout bounds every write: the server's timeout, at most
// maxWriteTimeout.
func (s *Session) writeTimeout() time.Duration {
	if t := s.server.Timeout; t > 0 {
		return min(t, maxWriteTimeout)
	}
	return maxWriteTimeout
}

// sendLocked writes and flushes one message; s.wmu must be held. After a
// failed write the chunk stream is corrupt, so every later write fails.
func (s *Session) sendLocked(m *chunk.Message) error {
	if s.wbroken {
		return errWriteBroken
	}
	s.conn.SetWriteDeadline(time.Now().Add(s.writeTimeout()))
	err := s.wr.WriteMessage(m)
	if err == nil {
		err = s.wr.Flush()
	}
	if err != nil {
		s.wbroken = true
		return fmt.Errorf("write message type %d: %w", m.Type, err)
	}
	return nil
}

// sendCommand encodes vals as one AMF0 command message and sends it.
func (s *Session) sendCommand(csid, streamID uint32, vals ...any) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	buf, err := amf.Append(s.wbuf[:0], vals...)
	if err != nil {
		return fmt.Errorf("encode %v: %w", vals[0], err)
	}
	s.wbuf = buf
	return s.sendLocked(&chunk.Message{CSID: csid, Type: chunk.TypeCommandAMF0, StreamID: streamID, Payload: buf})
}

// sendControl sends a protocol control or user control message built by
// the chunk package.
func (s *Session) sendControl(m *chunk.Message) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.sendLocked(m)
}

func (s *Session) sendPing(ts uint32) error { return s.sendControl(chunk.PingRequestMessage(ts)) }

func (s *Session) sendAck(n uint64) error { return s.sendControl(chunk.AckMessage(uint32(n))) }

// sendConnectSetup sends what nginx-rtmp sends before the connect
// _result: window acknowledgement size, peer bandwidth (dynamic) and our
// chunk size, which applies to everything sent after it.
func (s *Session) sendConnectSetup() error {
	win := uint32(min(max(s.server.AckWindow, 1), chunk.MaxChunkSize))
	if err := s.sendControl(chunk.WindowAckSizeMessage(win)); err != nil {
		return err
	}
	if err := s.sendControl(chunk.SetPeerBandwidthMessage(win, chunk.LimitDynamic)); err != nil {
		return err
	}
	size := min(max(s.server.ChunkSize, chunk.DefaultChunkSize), chunk.MaxChunkSize)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.sendLocked(chunk.SetChunkSizeMessage(uint32(size))); err != nil {
		return err
	}
	s.wr.SetChunkSize(size)
	return nil
}

// statusObject is the information object of onStatus and _error replies.
func statusObject(level, code, description string) amf.Object {
	return amf.Object{{Key: "level", Value: level}, {Key: "code", Value: code}, {Key: "description", Value: description}}
}

// sendStatus sends onStatus on message stream streamID. A failed write
// drops the session, whichever goroutine called.
func (s *Session) sendStatus(streamID uint32, level, code, description string) {
	err := s.sendCommand(csidStatus, streamID, "onStatus", 0, nil, statusObject(level, code, description))
	if err != nil {
		s.Logger().Debug("onStatus not sent", "code", code, "err", err.Error())
		s.Drop(CloseDisconnect)
	}
}

// sendError answers call trans with _error; calls with transaction 0
// expect no reply, and clients such as go-rtmp treat an unexpected one as
// fatal.
func (s *Session) sendError(trans float64, code, description string) error {
	if trans == 0 {
		return nil
	}
	return s.sendCommand(csidCommand, 0, "_error", trans, nil, statusObject("error", code, description))
}

// sendResult answers call trans with _result and args (see sendError).
func (s *Session) sendResult(trans float64, args ...any) error {
	if trans == 0 {
		return nil
	}
	return s.sendCommand(csidCommand, 0, append([]any{"_result", trans}, args...)...)
}
