package nginxrtmp

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
)

// renderConfig returns the nginx.conf of an instance listening on addr
// (and serving /stat on statAddr unless it is ""). Every path is absolute
// and inside opts.Dir (or RecordDir), so nothing of the system nginx
// (/etc/nginx, /run/nginx.pid, /var/log/nginx, /var/lib/nginx) is used.
func renderConfig(o Options, addr, statAddr string) string {
	logs := filepath.Join(o.Dir, "logs")
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Private nginx-rtmp instance written by rtmprecd's internal/nginxrtmp.")
	w("load_module %s;", quote(o.Module))
	w("daemon off;")
	w("master_process on;")
	w("worker_processes %d;", o.Workers)
	if u := userLine(); u != "" {
		w("%s", u)
	}
	if n := nofile(); n > 0 {
		w("worker_rlimit_nofile %d;", n)
	}
	w("pid %s;", quote(filepath.Join(logs, "nginx.pid")))
	w("lock_file %s;", quote(filepath.Join(logs, "nginx.lock")))
	w("error_log %s notice;", quote(filepath.Join(logs, "error.log")))
	w("events {\n    worker_connections 4096;\n}")
	w("rtmp {")
	w("    access_log %s;", quote(filepath.Join(logs, "access.log")))
	w("    server {")
	w("        listen %s;", addr)
	w("        application %s {", App)
	w("            live on;")
	w("            record_path %s;", quote(o.RecordDir))
	for _, line := range strings.Split(strings.TrimSpace(o.AppConfig), "\n") {
		w("            %s", strings.TrimSpace(line))
	}
	w("        }")
	w("    }")
	w("}")
	if statAddr != "" {
		renderStat(w, logs, statAddr)
	}
	return b.String()
}

// renderStat writes an http block serving /stat, with every temporary
// directory and log inside the prefix.
func renderStat(w func(string, ...any), logs, addr string) {
	w("http {")
	w("    access_log off;")
	for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		w("    %s_temp_path %s;", d, quote(filepath.Join(logs, d+"_temp")))
	}
	w("    server {")
	w("        listen %s;", addr)
	w("        location /stat { rtmp_stat all; }")
	w("    }")
	w("}")
}

// userLine keeps the workers under our own identity when we run as root:
// nginx would otherwise switch them to "nobody", who cannot write into
// our 0700 temporary directories. As non-root nginx ignores `user` (with a
// warning), so nothing is written.
func userLine() string {
	if os.Geteuid() != 0 {
		return ""
	}
	u, err := user.LookupId("0")
	if err != nil {
		return ""
	}
	g, err := user.LookupGroupId("0")
	if err != nil {
		return ""
	}
	return fmt.Sprintf("user %s %s;", u.Username, g.Name)
}

// nofile is the hard RLIMIT_NOFILE (capped), which a worker may always
// raise its soft limit to: one connection and one open file per
// published stream run out of a 1024 soft limit in benchmarks.
func nofile() uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0
	}
	return min(r.Max, 1<<16)
}

// quote makes s one nginx configuration token.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
