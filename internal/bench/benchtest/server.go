// Package benchtest runs rtmprecd's RTMP server with the record module
// inside a test process, for the load generator's and the bench runner's
// tests.
package benchtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// Server is an in-process server recording application App with
// `record all` into one directory, on 127.0.0.1 and a kernel-chosen port.
type Server struct {
	srv    *rtmp.Server
	addr   string
	served chan error
	once   sync.Once
	err    error
}

// App is the recorded application.
const App = "live"

// Start starts a server recording into dir (FLV).
func Start(dir string) (*Server, error) { return StartWith(dir, "") }

// StartWith starts a server recording into dir with more directives
// (each ended by ";") in the application block, such as a record format.
func StartWith(dir, directives string) (*Server, error) {
	text := fmt.Sprintf("rtmp { server { listen 127.0.0.1:0; application %s { live on; record all; record_path %q; %s } } }", App, dir, directives)
	cfg, err := conf.LoadBytes("benchtest.conf", []byte(text))
	if err != nil {
		return nil, fmt.Errorf("benchtest: config: %w", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &Server{served: make(chan error, 1)}
	s.srv = rtmp.NewServer(rtmp.Options{
		Modules: []rtmp.Module{&record.Module{Logger: log}},
		Logger:  log,
		Config:  func() *conf.Config { return cfg },
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("benchtest: %w", err)
	}
	s.addr = ln.Addr().String()
	go func() { s.served <- s.srv.Serve(ln, 0) }()
	return s, nil
}

// Addr returns the listen address.
func (s *Server) Addr() string { return s.addr }

// URL returns the RTMP URL of stream name.
func (s *Server) URL(name string) string { return "rtmp://" + s.addr + "/" + App + "/" + name }

// Stop waits up to 10 seconds for the sessions to end (a publisher that
// has gone may still be closing its file), then shuts the server down.
// It may be called more than once.
func (s *Server) Stop() error {
	s.once.Do(func() {
		deadline := time.Now().Add(10 * time.Second)
		for len(s.srv.Registry().Sessions()) > 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond) // polling with a deadline
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.err = s.srv.Shutdown(ctx)
		if err := <-s.served; !errors.Is(err, rtmp.ErrServerClosed) {
			s.err = errors.Join(s.err, err)
		}
	})
	return s.err
}
