package main

import (
	"log/slog"

	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// modules is the daemon's ordered module list: OnConnect and OnPublish run
// in this order, OnClose in reverse. Notify will come first (it decides
// before any file exists), then access, then the recorders, so a rejected
// publisher never touches a file and every file is closed (and its
// record_done sent) before publish_done.
func modules(log *slog.Logger) []rtmp.Module {
	return []rtmp.Module{
		&record.Module{Logger: log},
	}
}
