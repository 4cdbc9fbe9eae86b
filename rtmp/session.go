package rtmp

import (
	"log/slog"

	"github.com/rtmprecd/rtmprecd/conf"
)

// Session is one RTMP connection.
//
// CONTRACT STUB written by the coordinator so that modules can compile
// against it; the sessions work replaces the body but keeps these exported
// methods and their meaning.
type Session struct {
	id     uint64
	addr   string
	cfg    *conf.Config
	server *conf.Server
	app    *conf.Application
	log    *slog.Logger
}

// ID is the connection number (clientid in callbacks and /stat).
func (s *Session) ID() uint64 { return s.id }

// Addr is the remote IP address without port.
func (s *Session) Addr() string { return s.addr }

// Config is the configuration snapshot the connection was accepted with.
func (s *Session) Config() *conf.Config { return s.cfg }

// Server is the rtmp server block the connection was accepted on.
func (s *Session) Server() *conf.Server { return s.server }

// App is the application the connect command named.
func (s *Session) App() *conf.Application { return s.app }

// Logger carries sid and app attributes (and name once publishing).
func (s *Session) Logger() *slog.Logger { return s.log }

// Codec returns the current codec state of the publish; never nil.
func (s *Session) Codec() *CodecState { panic("stub") }

// Connect returns the connect command's description; nil before connect.
func (s *Session) Connect() *Connect { panic("stub") }

// Publish returns the current publish (after renames); nil when not publishing.
func (s *Session) Publish() *Publish { panic("stub") }

// SendStatus sends an onStatus message to the client on the publishing
// stream. Safe from any goroutine; never blocks on a slow client for long.
func (s *Session) SendStatus(level, code, description string) { panic("stub") }

// Drop asks the session's goroutine to close the connection with reason
// why; it returns at once. Recorders are finished by the session goroutine.
func (s *Session) Drop(why CloseReason) { panic("stub") }
