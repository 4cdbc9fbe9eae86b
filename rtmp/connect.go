package rtmp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// Values of the connect _result that ffmpeg, OBS and GStreamer expect, as
// nginx-rtmp sends them.
const (
	fmsVersion   = "FMS/3,0,1,123"
	capabilities = 31
)

var errDuplicateConnect = errors.New("connect: duplicate connect")

// parseConnect reads the connect command object as nginx-rtmp does: the
// app loses a trailing "/_definst_" or "/", then its "?args" part.
func parseConnect(c *command, addr string, id uint64) *Connect {
	o := c.obj
	app := o.String("app")
	if a, ok := strings.CutSuffix(app, "/_definst_"); ok {
		app = a
	} else {
		app = strings.TrimSuffix(app, "/")
	}
	app, args, _ := strings.Cut(app, "?")
	tc := o.String("tcUrl")
	if args == "" {
		_, args, _ = strings.Cut(tc, "?")
	}
	return &Connect{
		App: app, Args: args,
		FlashVer: o.String("flashVer"), SwfURL: o.String("swfUrl"),
		TcURL: tc, PageURL: o.String("pageUrl"),
		Addr: addr, ClientID: id,
	}
}

// onConnect resolves the application, creates the hooks, runs OnConnect
// and answers as nginx-rtmp does.
func (s *Session) onConnect(c *command) error {
	if s.Connect() != nil {
		return errDuplicateConnect
	}
	cn := parseConnect(c, s.addr, s.id)
	enc, _ := c.obj.Number("objectEncoding")
	app := findApp(s.server, cn.App)
	if app == nil {
		s.Logger().Info("connect refused: application not found", "app", cn.App, "addr", s.addr)
		return s.refuseConnect(c.trans, "application not found")
	}
	s.appLog = s.appLog.With("app", app.Name)
	s.log.Store(s.appLog)
	s.app.Store(app)
	s.connect.Store(cn)
	s.makeHooks()
	for i, h := range s.hooks {
		if h.Connect == nil {
			continue
		}
		if err := h.Connect.OnConnect(s.ctx, cn); err != nil {
			s.Logger().Info("connect refused", "module", s.srv.opts.Modules[i].Name(), "err", err.Error(), "addr", s.addr)
			return s.refuseConnect(c.trans, "connection refused")
		}
	}
	s.Logger().Info("connect", "addr", s.addr, "args", cn.Args, "flashver", cn.FlashVer, "tcurl", cn.TcURL)
	s.rd.SetLimits(int(s.server.MaxMessage), chunk.MaxStreams)
	s.srv.reg.advance(s, stageApp)
	if err := s.sendConnectSetup(); err != nil {
		return err
	}
	return s.sendCommand(csidCommand, 0, "_result", c.trans,
		amf.Object{{Key: "fmsVer", Value: fmsVersion}, {Key: "capabilities", Value: float64(capabilities)}},
		amf.Object{
			{Key: "level", Value: "status"},
			{Key: "code", Value: "NetConnection.Connect.Success"},
			{Key: "description", Value: "Connection succeeded."},
			{Key: "objectEncoding", Value: enc},
		})
}

// refuseConnect sends _error NetConnection.Connect.Rejected and ends the
// session. The properties object is sent (not null) because clients such
// as go-rtmp decode it unconditionally.
func (s *Session) refuseConnect(trans float64, why string) error {
	err := s.sendCommand(csidCommand, 0, "_error", trans,
		amf.Object{{Key: "fmsVer", Value: fmsVersion}, {Key: "capabilities", Value: float64(capabilities)}},
		statusObject("error", "NetConnection.Connect.Rejected", why))
	if err != nil {
		return fmt.Errorf("connect: %w: %w", errRefused, err)
	}
	return errRefused
}

// findApp matches the application name exactly, as nginx-rtmp does.
func findApp(sc *conf.Server, name string) *conf.Application {
	for _, a := range sc.Applications {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// makeHooks asks every module, in list order, for its hook.
func (s *Session) makeHooks() {
	s.hooks = make([]Hooks, len(s.srv.opts.Modules))
	for i, m := range s.srv.opts.Modules {
		s.hooks[i] = m.Hook(s)
	}
}
