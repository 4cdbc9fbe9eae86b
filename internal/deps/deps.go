package deps

import (
	_ "github.com/fsnotify/fsnotify"
	_ "github.com/lestrrat-go/strftime"
	_ "github.com/yutopp/go-flv"
	_ "github.com/yutopp/go-rtmp"
	_ "golang.org/x/sys/unix"
)
