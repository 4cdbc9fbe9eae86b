package conf

import (
	"net"
	"strconv"
	"strings"
)

// listenParams are nginx listen parameters that rtmprecd accepts and ignores
// (one warning each), so that a copied listen line still loads.
var listenParams = []string{
	"bind", "ipv6only=", "so_keepalive=", "proxy_protocol", "reuseport",
	"backlog=", "rcvbuf=", "sndbuf=", "deferred", "fastopen=", "default_server",
	"default", "accept_filter=", "setfib=", "http2", "ssl", "quic",
}

// parseListen resolves a listen address to the form net.Listen takes: a bare
// port or `*:port` means every interface (":port"), as in nginx.
func parseListen(s string) (string, error) {
	if _, ok := atoi(s); ok {
		return portOnly(s)
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", badValue(s)
	}
	p, err := checkPort(port, s)
	if err != nil {
		return "", err
	}
	port = strconv.Itoa(p) // "01935" and "1935" are the same socket
	if host == "*" || host == "" {
		return ":" + port, nil
	}
	if strings.ContainsAny(host, " /%") {
		return "", badValue(s)
	}
	return net.JoinHostPort(host, port), nil
}

func portOnly(s string) (string, error) {
	p, err := checkPort(s, s)
	if err != nil {
		return "", err
	}
	return ":" + strconv.Itoa(p), nil
}

func checkPort(port, arg string) (int, error) {
	p, ok := atoi(port)
	if !ok || p > 65535 {
		return 0, badValueWhy(arg, "invalid port")
	}
	return int(p), nil
}

// isListenParam reports whether p is a known nginx listen parameter.
func isListenParam(p string) bool {
	for _, k := range listenParams {
		if p == k || (strings.HasSuffix(k, "=") && strings.HasPrefix(p, k)) {
			return true
		}
	}
	return false
}

// formatListen writes addr back in listen syntax: ":1935" becomes "1935".
func formatListen(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return addr[1:]
	}
	return addr
}
