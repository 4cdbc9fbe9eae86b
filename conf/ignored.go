package conf

import (
	"fmt"
	"strings"
)

// ignoredGroup is nginx or nginx-rtmp directives that rtmprecd accepts in
// some contexts and ignores with a warning, so that a configuration copied
// from nginx loads. The warning says what the user loses and what to use
// instead, once per directive name. A name ending in '*' matches every
// name with that prefix.
type ignoredGroup struct {
	ctx     ctx
	names   []string
	loss    string // what does not happen, e.g. "no live HLS output"
	instead string // what to do instead; "" when nothing is needed
}

// message is the warning for directive name of g.
func (g *ignoredGroup) message(name string) string {
	msg := fmt.Sprintf("%q directive is ignored by rtmprecd: %s", name, g.loss)
	if g.instead != "" {
		msg += "; " + g.instead
	}
	return msg
}

func (g *ignoredGroup) matches(name string, c ctx) bool {
	if g.ctx&c == 0 {
		return false
	}
	for _, n := range g.names {
		if n == name || (strings.HasSuffix(n, "*") && strings.HasPrefix(name, n[:len(n)-1])) {
			return true
		}
	}
	return false
}

// lookupIgnored returns the group that ignores name in context c, or nil.
func lookupIgnored(name string, c ctx) *ignoredGroup {
	for i := range ignoredDirectives {
		if g := &ignoredDirectives[i]; g.matches(name, c) {
			return g
		}
	}
	return nil
}

// ignored reports whether name is a known nginx directive that rtmprecd
// ignores in context c.
func ignored(name string, c ctx) bool { return lookupIgnored(name, c) != nil }

// Wording shared by several groups.
const (
	noPlayers = "a player setting, and rtmprecd serves no players"
	httpTune  = "nginx HTTP tuning with no counterpart here"
	procTune  = "nginx process tuning with no counterpart: rtmprecd is one process that uses every core"
)

var ignoredDirectives = []ignoredGroup{
	// top level
	{ctxMain, []string{"user"}, "rtmprecd keeps the user it was started as",
		"start it as that user (dist/rtmprecd.service has User=rtmprecd)"},
	{ctxMain, []string{"daemon"}, "rtmprecd always runs in the foreground",
		"run it under systemd (dist/rtmprecd.service) or another supervisor"},
	{ctxMain, []string{"worker_rlimit_nofile"}, "the open-file limit stays as rtmprecd was started with",
		"raise it with LimitNOFILE= in the systemd unit or ulimit -n"},
	{ctxMain, []string{"worker_shutdown_timeout"}, "not used", "use shutdown_timeout"},
	{ctxMain, []string{"env"}, "exec_* commands inherit rtmprecd's whole environment",
		"set variables where rtmprecd is started (Environment= in systemd)"},
	{ctxMain, []string{"load_module"}, "not needed: everything rtmprecd does is built in", ""},
	{ctxMain, []string{"rtmp_auto_push*", "rtmp_socket_dir"}, "not needed: one rtmprecd process sees every stream", ""},
	{ctxMain, []string{"stream", "mail"}, "rtmprecd has no TCP, UDP or mail proxy", "keep nginx for them"},
	{ctxMain, []string{
		"worker_processes", "worker_rlimit_core", "worker_cpu_affinity", "worker_priority",
		"worker_aio_requests", "working_directory", "master_process", "lock_file", "pcre_jit",
		"thread_pool", "timer_resolution", "debug_points", "ssl_engine", "google_perftools_profiles",
		"events",
	}, procTune, ""},

	// nginx-rtmp directives that rtmprecd does not implement; the recorder
	// context is included because nginx-rtmp accepts many of them there.
	{ctxRecAll, []string{"hls*"}, "no live HLS output",
		"keep nginx-rtmp for HLS and push to rtmprecd for recording, or make HLS from each file with exec_record_done"},
	{ctxRecAll, []string{"dash*"}, "no live DASH output",
		"keep nginx-rtmp for DASH and push to rtmprecd for recording, or make DASH from each file with exec_record_done"},
	{ctxRecAll, []string{"push", "push_reconnect", "session_relay", "relay_buffer", "notify_relay_redirect"},
		"no relays: streams are not pushed to other servers",
		"push from the encoder (or an nginx-rtmp in front) to rtmprecd and to the other server"},
	{ctxRecAll, []string{"pull", "pull_reconnect"}, "no relays: nothing is pulled from other servers",
		"push the source to rtmprecd, e.g. ffmpeg -i SOURCE -c copy -f flv rtmp://HOST/APP/NAME"},
	{ctxRecAll, []string{"play", "play_temp_path", "play_local_path"}, "no VOD: players get NetStream.Play.Failed",
		"serve the recordings (seekable FLV files) over HTTP or with nginx"},
	{ctxRecAll, []string{"exec_push", "exec", "exec_pull", "exec_static", "respawn*", "exec_kill_signal", "exec_options"},
		"the command is not run", "use exec_publish for a command per publish, or exec_record_done for one per file"},
	{ctxRecAll, []string{"exec_play*", "on_play*"}, "not run: rtmprecd serves no players", ""},
	{ctxRecAll, []string{"exec_record_started", "on_record_started"}, "not run",
		"use exec_publish or on_publish, or exec_record_done or on_record_done once a file is complete"},
	{ctxRecAll, []string{"on_disconnect"}, "not called", "use on_publish_done or on_done, or the access_log"},
	{ctxRecAll, []string{"meta"}, "it only changes what players get, never the recordings", ""},
	{ctxRecAll, []string{
		"wait_key", "wait_video", "idle_streams", "publish_notify", "play_restart", "buflen",
		"out_queue", "out_cork", "busy", "sync", "interleave", "play_time_fix",
	}, noPlayers, ""},
	{ctxRecAll, []string{"publish_time_fix"}, "not needed: extended timestamps are always read correctly", ""},
	{ctxRecAll, []string{"so_keepalive"}, "TCP keepalive is not set on RTMP connections",
		"timeout and ping detect dead publishers"},
	{ctxRecAll, []string{"netcall_buffer"}, "not needed: callback answers are read whole", ""},
	{ctxRecAll, []string{"notify_send_redirect"}, "not supported", "a 3xx answer to on_publish renames the stream"},
	{ctxRecAll, []string{"resolver", "resolver_timeout"}, "callback hosts are resolved by the system resolver", ""},
	{ctxRecAll, []string{"record_interval_size"}, "it does nothing in nginx-rtmp either", "use record_max_size"},
	{ctxRecAll, []string{"proxy_protocol"}, "PROXY protocol headers are not read, so connections that send one fail",
		"connect publishers directly or turn PROXY protocol off in the proxy"},
	{ctxRecAll, []string{"server_name"}, "every rtmp server answers on its own listen addresses", ""},

	// nginx http directives: rtmprecd's http block serves only its own
	// endpoints and static files.
	{ctxHTTPAll, []string{"allow", "deny"}, "no address rules on HTTP",
		"listen on 127.0.0.1 and set control_token"},
	{ctxHTTPAll, []string{"auth_*", "satisfy"}, "no HTTP authentication", "set control_token (Authorization: Bearer)"},
	{ctxHTTPAll, []string{"ssl_*", "ssl", "http2"}, "no TLS or HTTP/2: plain HTTP/1.1 only",
		"listen on 127.0.0.1 and put a TLS proxy in front"},
	{ctxHTTPAll, []string{
		"proxy_*", "fastcgi_*", "uwsgi_*", "scgi_*", "grpc_*", "memcached_*", "upstream", "mirror*",
	}, "rtmprecd does not proxy HTTP", "keep nginx in front for that"},
	{ctxHTTPAll, []string{"access_log", "error_log", "log_format", "log_not_found", "open_log_file_cache", "rewrite_log"},
		"no HTTP access log; HTTP errors go to the top-level error_log", ""},
	{ctxHTTPAll, []string{"index", "autoindex*"}, "no directory index or listing: files are served by name", ""},
	{ctxHTTPAll, []string{"types", "default_type", "charset", "source_charset"},
		"content types come from file extensions", ""},
	{ctxHTTPAll, []string{"add_header", "add_trailer", "expires"}, "no extra response headers", ""},
	{ctxHTTPAll, []string{"gzip*", "brotli*"}, "responses are not compressed", ""},
	{ctxHTTPAll, []string{"return", "rewrite", "try_files", "error_page", "if", "set", "map", "geo", "split_clients"},
		"no rewrites, redirects or variables", ""},
	{ctxHTTPAll, []string{"limit_*"}, "no request or rate limits", ""},
	{ctxHTTPAll, []string{"real_ip_*", "set_real_ip_from"}, "client addresses are the TCP peer's", ""},
	{ctxHTTPAll, []string{"stub_status"}, "no nginx status page", "use /stat or /metrics"},
	{ctxHTTPAll, []string{"server_name"}, "every http server answers on its own listen addresses", ""},
	{ctxHTTPAll, []string{"hls*", "dash*", "mp4*", "flv"}, "no HLS, DASH or pseudo-streaming: files are served as they are, with HTTP ranges", ""},
	{ctxHTTPAll, []string{
		"sendfile", "sendfile_max_chunk", "tcp_nopush", "tcp_nodelay", "keepalive*", "client_*",
		"server_tokens", "resolver", "resolver_timeout", "open_file_cache*", "aio", "directio",
		"output_buffers", "send_timeout", "reset_timedout_connection", "server_names_hash_*",
		"types_hash_*", "variables_hash_*", "underscores_in_headers", "large_client_header_buffers",
		"lingering_*", "port_in_redirect", "absolute_redirect", "server_name_in_redirect",
		"msie_padding", "max_ranges", "ignore_invalid_headers", "merge_slashes",
		"recursive_error_pages", "disable_symlinks", "internal", "etag", "if_modified_since",
		"chunked_transfer_encoding", "postpone_output",
	}, httpTune, ""},
	{ctxHTTPAll, []string{
		"sub_filter*", "userid*", "ssi*", "dav_*", "create_full_put_path", "min_delete_depth",
		"js_*", "perl*", "xslt*", "image_filter*", "secure_link*", "slice",
	}, "an nginx HTTP module rtmprecd does not have", ""},
	// nested locations are nginx syntax that rtmprecd's prefix locations ignore
	{ctxLoc, []string{"location"}, "nested locations are not matched", "write them as locations of the server"},
}
