package control

import (
	"bytes"
	"encoding/xml"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// stylesheetPI is the processing instruction that makes a browser render
// /stat with href (rtmp_stat_stylesheet), as nginx-rtmp writes it; nothing
// without one.
func stylesheetPI(href string) []byte {
	if href == "" {
		return nil
	}
	var b bytes.Buffer
	b.WriteString(`<?xml-stylesheet type="text/xsl" href="`)
	xml.EscapeText(&b, []byte(href))
	b.WriteString("\"?>\n")
	return b.Bytes()
}

// builtAt is when the binary was built, in the form of nginx's `built`
// (__DATE__ __TIME__, here in UTC): the executable's modification time,
// else the VCS time stamped in the build, else "".
var builtAt = sync.OnceValue(func() string {
	const layout = "Jan _2 2006 15:04:05"
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			return fi.ModTime().UTC().Format(layout)
		}
	}
	if t, err := time.Parse(time.RFC3339, buildSetting("vcs.time")); err == nil {
		return t.UTC().Format(layout)
	}
	return ""
})

// buildSetting returns a setting of the binary's build info, or "".
func buildSetting(key string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}
