package control

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/httpd"
)

// fileReloader is a real Reloader: it loads the configuration file,
// keeps the running one on error, and applies a changed one to the RTMP
// server (new connections) and to the router's listeners.
type fileReloader struct {
	file string
	web  *httpd.Router
	cfg  atomic.Pointer[conf.Config]

	mu     sync.Mutex
	status ConfigStatus
}

func (f *fileReloader) Reload() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	f.status.LastReloadAt = now
	cfg, err := conf.Load(f.file)
	if err == nil && cfg.Hash == f.cfg.Load().Hash {
		f.status.LastResult = "unchanged"
		return nil
	}
	if err == nil {
		err = f.web.Apply(cfg)
	}
	if err != nil {
		f.status.LastResult, f.status.LastError, f.status.LastErrorAt = "failed", err.Error(), now
		return err
	}
	f.cfg.Store(cfg)
	f.status.Generation++
	f.status.Hash, f.status.LoadedAt, f.status.LastResult = cfg.Hash, now, "applied"
	return nil
}

func (f *fileReloader) ConfigStatus() ConfigStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}
