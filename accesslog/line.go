package accesslog

import (
	"strconv"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// Limits of the texts a client chooses, as nginx-rtmp's fixed buffers
// cut them (so that lines are the same as nginx-rtmp's, and a hostile
// client cannot write megabyte lines): flashver[32], 256 for the rest.
const (
	maxFlashVer = 31
	maxText     = 255
)

// entry is what one line is made of: the connection at its end and the
// last publish it asked for.
type entry struct {
	s       *rtmp.Session
	publish *published // nil when it never published
	end     time.Time
}

// published is a publish as the client asked for it, before any rename:
// nginx-rtmp's log module sits before notify in the publish chain.
type published struct{ name, args string }

// appendLine appends the line for e in format f, with a newline.
func appendLine(b []byte, f *conf.LogFormat, e *entry) []byte {
	for _, p := range f.Parts {
		if p.Var == "" {
			b = append(b, p.Literal...)
			continue
		}
		b = appendVar(b, p.Var, e)
	}
	return append(b, '\n')
}

// appendVar appends one variable as nginx-rtmp's log module prints it;
// client-chosen text is cut to maxField bytes and escaped.
func appendVar(b []byte, name string, e *entry) []byte {
	c := e.s.Connect()
	if c == nil {
		c = &rtmp.Connect{}
	}
	switch name {
	case "connection":
		return strconv.AppendUint(b, e.s.ID(), 10)
	case "remote_addr":
		return append(b, e.s.Addr()...)
	case "app":
		return appendText(b, c.App, maxText)
	case "flashver":
		return appendText(b, c.FlashVer, maxFlashVer)
	case "swfurl":
		return appendText(b, c.SwfURL, maxText)
	case "tcurl":
		return appendText(b, c.TcURL, maxText)
	case "pageurl":
		return appendText(b, c.PageURL, maxText)
	case "command":
		if e.publish != nil {
			return append(b, "PUBLISH"...)
		}
		return append(b, "NONE"...)
	case "name", "args":
		if e.publish == nil {
			return b
		}
		if name == "name" {
			return appendText(b, e.publish.name, maxText)
		}
		return appendText(b, e.publish.args, maxText)
	case "bytes_sent":
		return strconv.AppendUint(b, e.s.ChunkBytesOut(), 10)
	case "bytes_received":
		return strconv.AppendUint(b, e.s.ChunkBytesIn(), 10)
	case "time_local":
		return e.end.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	case "session_time":
		return strconv.AppendInt(b, int64(e.end.Sub(e.s.Started())/time.Second), 10)
	case "session_readable_time":
		return appendReadable(b, e.end.Sub(e.s.Started()))
	}
	return b
}

// appendReadable writes a duration as nginx-rtmp does: "1d 2h 3m 4s",
// leaving out leading zero units ("4s", "3m 0s").
func appendReadable(b []byte, d time.Duration) []byte {
	sec := int64(d / time.Second)
	days, hours, minutes, seconds := sec/86400, sec/3600%24, sec/60%60, sec%60
	if days > 0 {
		b = append(strconv.AppendInt(b, days, 10), "d "...)
	}
	if days > 0 || hours > 0 {
		b = append(strconv.AppendInt(b, hours, 10), "h "...)
	}
	if days > 0 || hours > 0 || minutes > 0 {
		b = append(strconv.AppendInt(b, minutes, 10), "m "...)
	}
	return append(strconv.AppendInt(b, seconds, 10), 's')
}

// appendText appends client-chosen text: at most max bytes, with control
// bytes, `"`, `\` and bytes above 0x7e written as \xHH, as nginx's HTTP
// access log does (nginx-rtmp's writes them raw), so that a client can
// neither break a line nor end a quoted field.
func appendText(b []byte, s string, max int) []byte {
	if len(s) > max {
		s = s[:max]
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}
