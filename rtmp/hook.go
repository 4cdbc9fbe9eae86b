package rtmp

import "context"

// Module is one entry of the daemon's ordered module list (cmd/rtmprecd).
// Modules run in list order for OnConnect and OnPublish, and in reverse
// order for OnClose.
type Module interface {
	// Name identifies the module in logs.
	Name() string
	// Hook returns the module's hooks for one session, called once per
	// session right after the connect command resolved the application.
	// It returns the zero Hooks when the module has nothing to do for
	// this session.
	Hook(s *Session) Hooks
}

// Hooks is one module's part in one session: the steps it takes part in,
// nil for the others. A module whose Hooks has Close but no Publish is
// closed for every publish of the session; see CloseHook.
type Hooks struct {
	Connect ConnectHook
	Publish PublishHook
	AV      AVHook
	Close   CloseHook
}

// none reports whether the module takes no part in the session.
func (h Hooks) none() bool {
	return h.Connect == nil && h.Publish == nil && h.AV == nil && h.Close == nil
}

// ConnectHook vetoes a connection. Hooks run in module order; the first
// error refuses the connect and later hooks never run.
type ConnectHook interface {
	OnConnect(ctx context.Context, c *Connect) error
}

// PublishHook vetoes or renames a publish. Hooks run in module order; the
// first error rejects the publish (the client gets NetStream.Publish.*
// error status) and later hooks never run. A hook may change p.Name; later
// hooks and the session registry see the new name. The stream name is
// claimed in the registry only after every hook succeeded.
type PublishHook interface {
	OnPublish(ctx context.Context, p *Publish) error
}

// AVHook receives every audio, video and data message of a publish whose
// OnPublish chain succeeded, on the session's goroutine, in arrival order:
// the AV hooks are the stream hub's recorders (hub.Recorder), synchronous
// readers that may push back on the publisher but never lose a frame.
// f and f.Payload are valid only during the call: copy what must be kept.
// OnAV must not block for long and must not allocate in steady state.
// A consumer that must never slow the publisher attaches to
// Session.Stream as a queued reader instead (hub.Stream.Attach).
type AVHook interface {
	OnAV(f *Frame)
}

// CloseHook is told that a publish ended. It runs exactly once per
// successful OnPublish, in reverse module order, for hooks whose OnPublish
// returned nil (and, for modules without PublishHook, whose session
// published). ctx carries the shutdown deadline.
type CloseHook interface {
	OnClose(ctx context.Context, why CloseReason)
}

// SessionEndHook is implemented by a Module itself (not by its per-session
// hooks) that must hear of every connection's end, including connections
// that never sent connect and so got no hooks (App is then nil): the
// access log writes one line per connection. SessionEnded runs once per
// connection, on its goroutine, after every OnClose and once the socket
// is closed, so the byte counts are final; Server.Shutdown waits for it.
type SessionEndHook interface {
	SessionEnded(s *Session)
}

// CloseReason says why a publish ended.
type CloseReason string

// Reasons a publish ends.
const (
	CloseUnpublish  CloseReason = "unpublish"  // FCUnpublish, deleteStream or closeStream
	CloseDisconnect CloseReason = "disconnect" // the connection ended
	CloseDrop       CloseReason = "drop"       // dropped by the control API or for misbehaviour
	CloseIdle       CloseReason = "idle"       // drop_idle_publisher fired
	CloseShutdown   CloseReason = "shutdown"   // the daemon is stopping
	// CloseRedirect ends a publish that Session.Redirect moves to another
	// name (control API redirect/publisher). The session stays connected
	// and, unless the new name is refused, a new OnPublish chain follows
	// at once with the new name; codec state carries over.
	CloseRedirect CloseReason = "redirect"
)

// Connect describes a connect command.
type Connect struct {
	App      string // application name, without query args
	Args     string // raw query args from the app field or tcUrl, without '?'
	FlashVer string
	SwfURL   string
	TcURL    string
	PageURL  string
	Addr     string // remote IP address, without port
	ClientID uint64 // connection number, as in logs and /stat
}

// Publish describes a publish command.
type Publish struct {
	Name         string // stream name without args; OnPublish hooks may rename it
	OriginalName string // name as the client sent it (or Session.Redirect's new name), without args
	Args         string // raw query args after '?', without '?'
	Type         string // publishing type as sent: live, record or append
}
