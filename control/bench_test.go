package control

import (
	"net/http/httptest"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/httpd"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// BenchmarkRoute is one request through the HTTP router to the control
// API and /stat (location match, token check, handler), without sessions.
func BenchmarkRoute(b *testing.B) {
	cfg, err := conf.LoadBytes("b.conf", []byte(`rtmp { server { listen 127.0.0.1:0; application live { } } }
http { server { listen 127.0.0.1:0; control_token t;
    location /control { rtmp_control all; } location /stat { rtmp_stat all; } } }`))
	if err != nil {
		b.Fatal(err)
	}
	api := New(Options{Registry: &rtmp.Registry{}, Logger: discardLogger()})
	h := httpd.New(httpd.Options{Routes: api.Routes(), Logger: discardLogger()}).Handler(cfg.HTTP[0])
	for _, path := range []string{"/control/status", "/stat"} {
		b.Run(path, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer t")
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("%s: %d", path, w.Code)
				}
			}
		})
	}
}
