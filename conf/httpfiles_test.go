package conf

import (
	"fmt"
	"testing"
)

// TestHashFollowsHTTPDirectives: rtmp_stat_stylesheet, root and alias reach
// the canonical dump, so a reload that changes one of them is applied, not
// skipped as unchanged; and the dump loads back to the same settings.
func TestHashFollowsHTTPDirectives(t *testing.T) {
	const base = `http { server { listen 127.0.0.1:8080; %s
		location /stat { rtmp_stat all; %s }
		location /files { %s } } }`
	variant := func(srv, stat, files string) *Config {
		return mustLoad(t, fmt.Sprintf(base, srv, stat, files))
	}
	ref := variant("", "", "")
	tests := []struct{ name, srv, stat, files string }{
		{"stylesheet", "", "rtmp_stat_stylesheet stat.xsl;", ""},
		{"stylesheet inherited", "rtmp_stat_stylesheet /s.xsl;", "", ""},
		{"location root", "", "", "root /srv/www;"},
		{"server root", "root /srv/www;", "", ""},
		{"alias", "", "", "alias /srv/www;"},
	}
	seen := map[string]string{ref.Hash: "none"}
	for _, tt := range tests {
		cfg := variant(tt.srv, tt.stat, tt.files)
		checkRoundTrip(t, cfg)
		if prev, ok := seen[cfg.Hash]; ok {
			t.Errorf("%s: same hash as %s:\n%s", tt.name, prev, cfg.Dump())
		}
		seen[cfg.Hash] = tt.name
	}
	cfg := variant("root /srv/www; rtmp_stat_stylesheet /s.xsl;", "", "alias /srv/files;")
	stat, files := cfg.HTTP[0].Locations[0], cfg.HTTP[0].Locations[1]
	if cfg.HTTP[0].Root != "/srv/www" || stat.Root != "/srv/www" || stat.StatStylesheet != "/s.xsl" ||
		files.Alias != "/srv/files" || files.Root != "" {
		t.Errorf("inheritance: server root %q, stat %+v, files %+v", cfg.HTTP[0].Root, stat, files)
	}
}

func TestHTTPFileErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"http { server { location /a { root /x;\nalias /y; } } }", `"alias" directive is duplicate, "root" directive was specified earlier in t.conf:2`},
		{"http { server { alias /y; } }", `"alias" directive is not allowed here in t.conf:1`},
		{"http { server { location /a { root /x; root /y; } } }", `"root" directive is duplicate in t.conf:1`},
		{"rtmp { root /x; }", `"root" directive is not allowed here in t.conf:1`},
	}
	for _, tt := range tests {
		_, err := LoadBytes("t.conf", []byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}
