package notify

import (
	"strings"

	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// sessionVars are the exec variables of exec_publish and
// exec_publish_done: the session's, then the publish's (name after any
// rename, as nginx-rtmp's $name).
func sessionVars(c *rtmp.Connect, pi *pubInfo) map[string]string {
	if c == nil {
		c = noConnect
	}
	return map[string]string{
		"app": c.App, "flashver": c.FlashVer, "swfurl": c.SwfURL, "tcurl": c.TcURL,
		"pageurl": c.PageURL, "addr": c.Addr, "name": pi.name, "args": pi.args,
	}
}

// recordVars adds the closed file's variables for exec_record_done.
func recordVars(c *rtmp.Connect, args string, ev *record.Event) map[string]string {
	v := sessionVars(c, &pubInfo{name: ev.Name, args: args})
	v["recorder"] = ev.Recorder
	v["path"] = ev.Path
	v["playlist"] = ev.Playlist // HLS: the directory's index.m3u8; "" for files
	dir, file := "", ev.Path
	if i := strings.LastIndexAny(ev.Path, `/\`); i >= 0 {
		dir, file = ev.Path[:i], ev.Path[i+1:]
	}
	v["dirname"], v["filename"] = dir, file
	base := file
	if i := strings.LastIndexByte(file, '.'); i >= 0 {
		base = file[:i]
	}
	v["basename"] = base
	return v
}

// clientVars are the variables whose values the publishing client chose
// (its connect and publish commands). $app is not among them: a session
// only gets this far in an application the configuration names exactly.
// $path, $playlist, $dirname, $filename, $basename, $recorder and $addr
// are ours.
var clientVars = map[string]bool{
	"name": true, "args": true, "tcurl": true, "pageurl": true, "swfurl": true, "flashver": true,
}

// expand evaluates nginx-rtmp's variable syntax in one argument: $name
// (letters only) or ${name}; a backslash takes the next byte literally;
// unknown variables expand to nothing.
func expand(s string, vars map[string]string) string {
	return expandWith(s, func(k string) string { return vars[k] })
}

// expandTarget expands a redirection target: the client's values are
// escaped as recording names are (record.EscapeName: no "/", no leading
// "."), so `>DIR/$name.log` stays in DIR whatever the stream is called,
// while our values stay as they are (`2>>$dirname/$basename.log`).
func expandTarget(s string, vars map[string]string) string {
	return expandWith(s, func(k string) string {
		if clientVars[k] {
			return record.EscapeName(vars[k])
		}
		return vars[k]
	})
}

func expandWith(s string, value func(string) string) string {
	if !strings.ContainsAny(s, `$\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				b.WriteString(value(s[i+2:]))
				return b.String()
			}
			b.WriteString(value(s[i+2 : i+2+end]))
			i += 2 + end
		case c == '$':
			j := i + 1
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			b.WriteString(value(s[i+1 : j]))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
