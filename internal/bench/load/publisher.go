package load

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strings"
	"time"

	gortmp "github.com/yutopp/go-rtmp"
	"github.com/yutopp/go-rtmp/message"

	"github.com/rtmprecd/rtmprecd/flv"
)

// Chunk stream ids, as ffmpeg and OBS use them.
const (
	csidCommand = 3
	csidData    = 5
	csidAudio   = 4
	csidVideo   = 6
)

// AMF0 type markers of the deleteStream arguments.
const (
	amf0Number = 0x00
	amf0Null   = 0x05
)

// target is a parsed rtmp:// URL.
type target struct {
	host  string // host:port
	app   string
	name  string // stream name prefix
	tcURL string
}

// parseTarget splits rtmp://HOST[:PORT]/APP/NAME. Only that host is ever
// dialled.
func parseTarget(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("load: url: %w", err)
	}
	if u.Scheme != "rtmp" || u.Host == "" {
		return target{}, fmt.Errorf("load: url %q: want rtmp://HOST[:PORT]/APP/NAME", raw)
	}
	app, name, ok := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if !ok || app == "" || name == "" || strings.Contains(name, "/") {
		return target{}, fmt.Errorf("load: url %q: want rtmp://HOST[:PORT]/APP/NAME", raw)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "1935")
	}
	return target{host: host, app: app, name: name, tcURL: "rtmp://" + u.Host + "/" + app}, nil
}

// publisher is one go-rtmp connection publishing one stream.
type publisher struct {
	cc   *gortmp.ClientConn
	st   *gortmp.Stream
	hold *linger
	// One reader and one message of each type, reused: go-rtmp copies the
	// payload into its chunk buffer before Write returns.
	rd    *bytes.Reader
	video message.VideoMessage
	audio message.AudioMessage
}

// errTimeout reports a connect step that did not finish within the limit.
var errTimeout = errors.New("timed out")

// dial connects, creates the stream and publishes name within timeout.
// go-rtmp has no deadlines of its own: on timeout the attempt is left to
// finish in the background and its connection is closed when it does (a
// server that never answers keeps one goroutine until the process ends).
func dial(ctx context.Context, t target, name string, chunkSize uint32, timeout time.Duration) (*publisher, error) {
	type result struct {
		p   *publisher
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := connect(t, name, chunkSize, timeout)
		done <- result{p, err}
	}()
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	var err error
	select {
	case r := <-done:
		return r.p, r.err
	case <-tm.C:
		err = fmt.Errorf("publish %s: %w after %v", name, errTimeout, timeout)
	case <-ctx.Done():
		err = fmt.Errorf("publish %s: %w", name, ctx.Err())
	}
	go func() {
		if r := <-done; r.p != nil {
			r.p.cc.Close()
			r.p.hold.release()
		}
	}()
	return nil, err
}

// connect runs the go-rtmp handshake, connect, createStream and publish.
// publish is not acknowledged: go-rtmp cannot see onStatus, so a refused
// publish shows up as a write error once the server closes the connection.
func connect(t target, name string, chunkSize uint32, timeout time.Duration) (*publisher, error) {
	hold := &linger{}
	// go-rtmp flushes after every chunk: a buffer that holds a whole chunk
	// and its header makes that one write(2) instead of two.
	cfg := &gortmp.ConnConfig{WriterBufferSize: int(min(chunkSize, 1<<20)) + 64}
	cc, err := gortmp.DialWithDialer(hold.dialer(timeout), "rtmp", t.host, cfg)
	if err != nil {
		hold.release()
		return nil, fmt.Errorf("publish %s: dial %s: %w", name, t.host, err)
	}
	fail := func(step string, err error) (*publisher, error) {
		cc.Close()
		hold.release()
		return nil, fmt.Errorf("publish %s: %s: %w", name, step, err)
	}
	err = cc.Connect(&message.NetConnectionConnect{Command: message.NetConnectionConnectCommand{
		App: t.app, Type: "nonprivate", FlashVer: "FMLE/3.0 (compatible; rtmpbench)", TCURL: t.tcURL}})
	if err != nil {
		return fail("connect", err)
	}
	st, err := cc.CreateStream(nil, chunkSize)
	if err != nil {
		return fail("createStream", err)
	}
	if err := st.Publish(&message.NetStreamPublish{PublishingName: name, PublishingType: "live"}); err != nil {
		return fail("publish", err)
	}
	p := &publisher{cc: cc, st: st, hold: hold, rd: bytes.NewReader(nil)}
	p.video.Payload, p.audio.Payload = p.rd, p.rd
	return p, nil
}

// meta sends the clip's onMetaData as @setDataFrame, as encoders do.
func (p *publisher) meta(body []byte) error {
	p.rd.Reset(body)
	return p.st.Write(csidData, 0, &message.DataMessage{
		Name: "@setDataFrame", Encoding: message.EncodingTypeAMF0, Body: p.rd})
}

// send writes one frame at timestamp ts.
func (p *publisher) send(f *Frame, ts uint32) error {
	p.rd.Reset(f.Payload)
	if f.Type == flv.TagVideo {
		return p.st.Write(csidVideo, ts, &p.video)
	}
	return p.st.Write(csidAudio, ts, &p.audio)
}

// close deletes the stream, as encoders do when they stop, lets go-rtmp
// flush its queues and close, then waits up to timeout for the server to
// have read everything (see linger).
func (p *publisher) close(timeout time.Duration) error {
	derr := p.deleteStream()
	cerr := p.cc.Close()
	return errors.Join(derr, cerr, p.hold.finish(timeout))
}

// deleteStream sends deleteStream(id) on the publishing stream's own
// writer. go-rtmp's ClientConn.DeleteStream would also drop the stream
// from a map its read loop reads without a lock (a data race).
func (p *publisher) deleteStream() error {
	body := []byte{amf0Null, amf0Number, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint64(body[2:], math.Float64bits(float64(p.st.StreamID())))
	p.rd.Reset(body)
	return p.st.Write(csidCommand, 0, &message.CommandMessage{
		CommandName: "deleteStream", Encoding: message.EncodingTypeAMF0, Body: p.rd})
}
