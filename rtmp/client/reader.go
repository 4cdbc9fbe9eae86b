package client

import (
	"errors"
	"fmt"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// readLoop reads the server's messages until the connection ends.
func (c *Conn) readLoop() {
	defer c.wg.Done()
	var window, acked uint64
	for {
		m, err := c.r.ReadMessage()
		if errors.Is(err, chunk.ErrBadAggregate) {
			continue // framing intact: the rest of the aggregate is dropped
		}
		if err == nil {
			window, err = c.handle(m, window)
		}
		if err == nil && c.opts.OnMessage != nil {
			c.opts.OnMessage(m)
		}
		// Acknowledge like ffmpeg: once more than a window was read since
		// the last acknowledgement.
		if n := c.r.BytesRead(); err == nil && window > 0 && n-acked > window {
			acked = n
			err = c.WriteMessage(chunk.AckMessage(uint32(n)))
		}
		if err != nil {
			c.finish(err)
			return
		}
	}
}

// finish records why the reader stopped and wakes everything waiting.
func (c *Conn) finish(err error) {
	select {
	case <-c.closing:
		err = ErrClosed
	default:
	}
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	close(c.done)
}

// handle answers control messages and routes commands. It returns the
// acknowledgement window, changed by WindowAckSize.
func (c *Conn) handle(m *chunk.Message, window uint64) (uint64, error) {
	switch m.Type {
	case chunk.TypeSetChunkSize:
		// The Reader applied it; ffmpeg answers by using the same size.
		if c.opts.ChunkSize > 0 {
			return window, nil
		}
		n, err := chunk.ParseSetChunkSize(m.Payload)
		if err != nil {
			return window, fmt.Errorf("client: %w", err)
		}
		return window, c.SetChunkSize(int(n))
	case chunk.TypeWindowAckSize:
		n, err := chunk.ParseWindowAckSize(m.Payload)
		if err != nil {
			return window, fmt.Errorf("client: %w", err)
		}
		return uint64(n), nil
	case chunk.TypeUserControl:
		u, err := chunk.ParseUserControl(m.Payload)
		if err != nil {
			return window, fmt.Errorf("client: %w", err)
		}
		if u.Event == chunk.EventPingRequest {
			return window, c.WriteMessage(chunk.PingResponseMessage(u.Value))
		}
	case chunk.TypeCommandAMF3, chunk.TypeCommandAMF0:
		p := m.Payload
		if m.Type == chunk.TypeCommandAMF3 && len(p) > 0 {
			p = p[1:] // AMF3 commands start with a format byte, then AMF0
		}
		vals, err := amf.Decode(p, amf.DefaultLimits)
		if err != nil {
			return window, fmt.Errorf("client: command from server: %w", err)
		}
		c.dispatch(m.StreamID, vals)
	}
	return window, nil
}

// dispatch routes replies to waiting calls and queues onStatus messages.
func (c *Conn) dispatch(streamID uint32, vals []any) {
	if len(vals) < 2 {
		return
	}
	name, _ := vals[0].(string)
	txn, _ := vals[1].(float64)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch name {
	case "_result", "_error":
		if ch, ok := c.calls[txn]; ok {
			delete(c.calls, txn)
			ch <- vals // buffered 1, and deleted: never blocks
		}
	case "onStatus":
		o := info(vals)
		st := Status{StreamID: streamID, Level: o.String("level"), Code: o.String("code"),
			Description: o.String("description"), Info: o}
		if ch, ok := c.publish[streamID]; ok {
			delete(c.publish, streamID)
			ch <- st
		}
		c.queue = append(c.queue, st)
		select {
		case c.qsig <- struct{}{}:
		default:
		}
	}
}

// pumpStatuses moves queued statuses to the Statuses channel, so that the
// reader never blocks on a test that does not read them.
func (c *Conn) pumpStatuses() {
	defer c.wg.Done()
	defer close(c.statuses)
	for {
		c.mu.Lock()
		q := c.queue
		c.queue = nil
		c.mu.Unlock()
		for _, st := range q {
			select {
			case c.statuses <- st:
			case <-c.closing:
				return
			}
		}
		if len(q) > 0 {
			continue
		}
		select {
		case <-c.qsig:
		case <-c.done:
			c.mu.Lock()
			empty := len(c.queue) == 0
			c.mu.Unlock()
			if empty {
				return
			}
		case <-c.closing:
			return
		}
	}
}
