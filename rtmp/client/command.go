package client

import (
	"context"
	"fmt"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

// nextTxn returns the next transaction id: 1 for the first command, as
// ffmpeg numbers connect=1, releaseStream=2, FCPublish=3, createStream=4,
// publish=5.
func (c *Conn) nextTxn() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.txn++
	return c.txn
}

// Call sends command name with the next transaction id, a null command
// object and args on chunk stream 3, and waits for the _result or _error
// with that id. It returns the whole reply (name, id, ...); an _error
// comes with a *CommandError.
func (c *Conn) Call(ctx context.Context, name string, args ...any) ([]any, error) {
	return c.call(ctx, name, append([]any{nil}, args...))
}

// call sends name, txn and rest, and waits for the reply.
func (c *Conn) call(ctx context.Context, name string, rest []any) ([]any, error) {
	txn := c.nextTxn()
	ch := make(chan []any, 1)
	c.mu.Lock()
	c.calls[txn] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.calls, txn)
		c.mu.Unlock()
	}()
	if err := c.SendCommand(CSIDCommand, 0, append([]any{name, txn}, rest...)...); err != nil {
		return nil, err
	}
	reply, err := await(ctx, c, ch)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", name, err)
	}
	if reply[0] == "_error" {
		return reply, &CommandError{Command: name, Info: info(reply)}
	}
	return reply, nil
}

// await waits for a value on ch, the end of the connection or ctx.
func await[T any](ctx context.Context, c *Conn, ch <-chan T) (T, error) {
	var zero T
	select {
	case v := <-ch:
		return v, nil
	case <-c.done:
		// The reader routes a reply before it stops, so a reply sent just
		// before the server closed is already waiting: prefer it.
		select {
		case v := <-ch:
			return v, nil
		default:
		}
		if err := c.Err(); err != nil {
			return zero, err
		}
		return zero, ErrClosed
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// info returns the information object of a reply: the last object after
// the transaction id.
func info(reply []any) amf.Object {
	for i := len(reply) - 1; i >= 2; i-- {
		switch o := reply[i].(type) {
		case amf.Object:
			return o
		case amf.ECMAArray:
			return amf.Object(o)
		}
	}
	return nil
}

// Connect sends connect with app, type "nonprivate", flashVer and tcUrl,
// as ffmpeg does, then extra's properties (replacing those of the same
// name), and returns the information object of the _result (code
// NetConnection.Connect.Success). An _error returns its information object
// and a *CommandError.
func (c *Conn) Connect(ctx context.Context, app, tcURL string, extra amf.Object) (amf.Object, error) {
	obj := amf.Object{{Key: "app", Value: app}, {Key: "type", Value: "nonprivate"},
		{Key: "flashVer", Value: c.opts.FlashVer}, {Key: "tcUrl", Value: tcURL}}
	for _, p := range extra {
		replaced := false
		for i := range obj {
			if obj[i].Key == p.Key {
				obj[i].Value, replaced = p.Value, true
			}
		}
		if !replaced {
			obj = append(obj, p)
		}
	}
	reply, err := c.call(ctx, "connect", []any{obj})
	return info(reply), err
}

// CreateStream sends createStream and returns the message stream id of
// the _result.
func (c *Conn) CreateStream(ctx context.Context) (uint32, error) {
	reply, err := c.Call(ctx, "createStream")
	if err != nil {
		return 0, err
	}
	if len(reply) < 4 {
		return 0, fmt.Errorf("client: createStream: reply %v has no stream id", reply)
	}
	id, ok := reply[3].(float64)
	if !ok || id < 0 || id > 0xFFFFFFFF {
		return 0, fmt.Errorf("client: createStream: bad stream id %#v", reply[3])
	}
	return uint32(id), nil
}

// ReleaseStream sends releaseStream(name) without waiting: ffmpeg does not
// wait, and nginx does not answer.
func (c *Conn) ReleaseStream(name string) error { return c.notify("releaseStream", name) }

// FCPublish sends FCPublish(name) without waiting.
func (c *Conn) FCPublish(name string) error { return c.notify("FCPublish", name) }

// FCUnpublish sends FCUnpublish(name) without waiting.
func (c *Conn) FCUnpublish(name string) error { return c.notify("FCUnpublish", name) }

// DeleteStream sends deleteStream(streamID) on stream 0 without waiting.
func (c *Conn) DeleteStream(streamID uint32) error {
	return c.notify("deleteStream", float64(streamID))
}

// CloseStream sends closeStream on the message stream itself, as Flash
// Player does (transaction 0).
func (c *Conn) CloseStream(streamID uint32) error {
	return c.SendCommand(CSIDStream, streamID, "closeStream", 0.0, nil)
}

// notify sends name with the next transaction id, null and arg.
func (c *Conn) notify(name string, arg any) error {
	return c.SendCommand(CSIDCommand, 0, name, c.nextTxn(), nil, arg)
}

// Publish sends publish(name, typ) on streamID and waits for the first
// onStatus on that stream. typ is "live", "record" or "append"; an empty
// typ is left out of the message. It returns the status; a status other
// than NetStream.Publish.Start also returns a *StatusError, and an _error
// reply a *CommandError. The status also goes to Statuses.
func (c *Conn) Publish(ctx context.Context, streamID uint32, name, typ string) (*Status, error) {
	txn := c.nextTxn()
	sch, rch := make(chan Status, 1), make(chan []any, 1)
	c.mu.Lock()
	c.publish[streamID], c.calls[txn] = sch, rch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.publish, streamID)
		delete(c.calls, txn)
		c.mu.Unlock()
	}()
	vals := []any{"publish", txn, nil, name}
	if typ != "" {
		vals = append(vals, typ)
	}
	if err := c.SendCommand(CSIDStream, streamID, vals...); err != nil {
		return nil, err
	}
	st, err := c.awaitPublish(ctx, sch, rch)
	if err != nil {
		return nil, err
	}
	if st.Code != "NetStream.Publish.Start" {
		return &st, &StatusError{Status: st}
	}
	return &st, nil
}

// awaitPublish waits for the stream's first onStatus; an _error reply to
// the publish ends the wait too, a _result does not.
func (c *Conn) awaitPublish(ctx context.Context, sch <-chan Status, rch <-chan []any) (Status, error) {
	for {
		select {
		case st := <-sch:
			return st, nil
		case reply := <-rch:
			if reply[0] == "_error" {
				return Status{}, &CommandError{Command: "publish", Info: info(reply)}
			}
		case <-c.done:
			// A status or _error routed just before the close wins over it.
			select {
			case st := <-sch:
				return st, nil
			case reply := <-rch:
				if reply[0] == "_error" {
					return Status{}, &CommandError{Command: "publish", Info: info(reply)}
				}
			default:
			}
			if err := c.Err(); err != nil {
				return Status{}, fmt.Errorf("client: publish: %w", err)
			}
			return Status{}, ErrClosed
		case <-ctx.Done():
			return Status{}, fmt.Errorf("client: publish: %w", ctx.Err())
		}
	}
}
