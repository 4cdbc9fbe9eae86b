package rtmp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// errNotConnected drops a client that calls anything before connect.
var errNotConnected = errors.New("command before connect")

// command is one decoded command message.
type command struct {
	name     string
	trans    float64
	obj      amf.Object // command object; nil when null or absent
	args     []any      // values after the command object
	streamID uint32     // message stream the command came on
}

// parseCommand decodes an AMF0 command (the AMF3 prefix already removed).
// Malformed commands are protocol errors: nginx-rtmp drops them too.
func parseCommand(m *chunk.Message, body []byte) (*command, error) {
	vals, err := amf.Decode(body, amf.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("command: %w", err)
	}
	if len(vals) == 0 {
		return nil, errors.New("command: empty message")
	}
	name, ok := vals[0].(string)
	if !ok {
		return nil, fmt.Errorf("command: name is %T, not a string", vals[0])
	}
	c := &command{name: name, streamID: m.StreamID}
	if len(vals) > 1 {
		c.trans, _ = vals[1].(float64)
	}
	if len(vals) > 2 {
		c.obj, _ = vals[2].(amf.Object)
		c.args = vals[3:]
	}
	return c, nil
}

// arg returns the i-th argument after the command object as a string.
func (c *command) stringArg(i int) (string, bool) {
	if i >= len(c.args) {
		return "", false
	}
	s, ok := c.args[i].(string)
	return s, ok
}

func (c *command) numberArg(i int) (float64, bool) {
	if i >= len(c.args) {
		return 0, false
	}
	f, ok := c.args[i].(float64)
	return f, ok
}

// onCommand dispatches one command message.
func (s *Session) onCommand(m *chunk.Message, body []byte) error {
	c, err := parseCommand(m, body)
	if err != nil {
		return err
	}
	if s.Connect() == nil && c.name != "connect" {
		return fmt.Errorf("%w: %q", errNotConnected, c.name)
	}
	switch c.name {
	case "connect":
		return s.onConnect(c)
	case "createStream":
		return s.onCreateStream(c)
	case "releaseStream":
		return s.sendResult(c.trans, nil, amf.Undefined{})
	case "FCPublish":
		return s.onFCPublish(c)
	case "publish":
		return s.onPublish(c)
	case "FCUnpublish":
		return s.unpublish()
	case "deleteStream":
		return s.onDeleteStream(c)
	case "closeStream":
		return s.unpublish()
	case "play", "play2":
		s.sendStatus(c.streamID, "error", "NetStream.Play.Failed", "live play is not supported")
		return nil
	case "_result", "_error", "onStatus", "onBWDone", "_checkbw", "getStreamLength", "FCSubscribe",
		"FCUnsubscribe", "receiveAudio", "receiveVideo", "pause", "seek":
		return nil // notifications and player calls that need no answer from a recorder
	}
	s.Logger().Debug("unknown command", "command", c.name)
	return s.sendError(c.trans, "NetConnection.Call.Failed", "unknown command "+c.name)
}

// onCreateStream allocates a message stream id, at most max_streams open.
func (s *Session) onCreateStream(c *command) error {
	if len(s.streams) >= max(s.server.MaxStreams, 1) {
		s.Logger().Info("createStream refused: max_streams reached", "max_streams", s.server.MaxStreams)
		return s.sendError(c.trans, "NetConnection.Call.Failed", "too many streams")
	}
	for {
		s.nextStream++
		if s.nextStream == 0 {
			continue
		}
		if _, used := s.streams[s.nextStream]; !used {
			break
		}
	}
	s.streams[s.nextStream] = struct{}{}
	return s.sendResult(c.trans, nil, float64(s.nextStream))
}

// onDeleteStream frees a stream id and ends the publish on it.
func (s *Session) onDeleteStream(c *command) error {
	f, ok := c.numberArg(0)
	if !ok {
		return nil
	}
	id := uint32(f)
	delete(s.streams, id)
	if s.pub != nil && s.pub.streamID == id {
		return s.unpublish()
	}
	return nil
}

// onFCPublish answers the Adobe-era FCPublish call: encoders such as
// ffmpeg and OBS send it before publish and accept onFCPublish and an
// empty _result.
func (s *Session) onFCPublish(c *command) error {
	name, _ := c.stringArg(0)
	name, _, _ = strings.Cut(name, "?")
	err := s.sendCommand(csidStatus, 0, "onFCPublish", 0, nil,
		amf.Object{{Key: "code", Value: "NetStream.Publish.Start"}, {Key: "description", Value: name}})
	if err != nil {
		return err
	}
	return s.sendResult(c.trans, nil, amf.Undefined{})
}
