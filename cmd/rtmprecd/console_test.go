package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rtmprecd/rtmprecd/internal/testenv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// consoleConf records one application per format, a live application
// with an event recorder, and serves the console beside the API, /stat,
// /control and /metrics behind one token.
func consoleConf(dir string) string {
	return fmt.Sprintf(`record_index %[1]s/.index.db;
rtmp { server { listen 127.0.0.1:0;
    application live { record_event_before 1s; record_event_after 1s; record_event_max_before 2s;
        recorder all { record all; record_path %[1]s/live; }
        recorder ev { record all event; record_path %[1]s/ev; } }
    application mp4 { record all; record_path %[1]s/mp4; record_format mp4; }
    application fmp4 { record all; record_path %[1]s/fmp4; record_format fmp4; }
    application hls { record all; record_path %[1]s/hls; record_format hls; }
    application flv { record all; record_path %[1]s/flv; }
} }
http { server { listen 127.0.0.1:0; control_token tok;
    location /api/record/ { record_api on; }
    location /console/ { record_console on; }
    location /stat { rtmp_stat all; }
    location /control { rtmp_control all; }
    location /metrics { rtmp_metrics on; }
} }
`, dir)
}

// browser is a headless chromium tab that records JavaScript exceptions,
// console errors and failed loads.
type browser struct {
	t      *testing.T
	ctx    context.Context
	out    string // screenshots
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := testenv.Tool(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.WindowSize(1280, 720))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	out := os.Getenv("RTMPRECD_CONSOLE_SCREENSHOTS")
	if out == "" {
		out = t.TempDir()
	}
	b := &browser{t: t, ctx: ctx, out: out}
	messages := chromedp.Console(ctx) // starts the browser
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				b.fail(m.String() + " " + m.URL)
			}
		}
	}()
	return b
}

func (b *browser) fail(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, s)
}

// takeErrors returns and forgets the errors seen so far.
func (b *browser) takeErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.errors
	b.errors = nil
	return e
}

func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %s: %v (page errors: %q)", what, err, b.takeErrors())
	}
}

// evalJS evaluates js in b's page.
func evalJS[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("browser: eval %s: %v (page errors: %q)", js, err, b.takeErrors())
	}
	return v
}

// waitJS polls js until it is true.
func (b *browser) waitJS(what, js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		status := evalJS[string](b, `(() => { const v = document.getElementById("video"); return document.getElementById("status").textContent + " | video " + v.dataset.src + " readyState=" + v.readyState + " currentTime=" + v.currentTime + " duration=" + v.duration + " ended=" + v.ended + " paused=" + v.paused + " buffered=" + (v.buffered.length ? v.buffered.start(0) + "-" + v.buffered.end(v.buffered.length-1) : "none") + " error=" + (v.error && v.error.code + " " + v.error.message); })()`)
		b.t.Fatalf("browser: waiting for %s: %v (status line %q, page errors: %q)", what, err, status, b.takeErrors())
	}
}

// shot writes a full-page screenshot name.png, an artifact, not a check.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.out, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// playing waits until the video element advances: readyState >= 3 and
// currentTime past from + 0.5 s.
func (b *browser) playing(what string, from float64) {
	b.t.Helper()
	b.waitJS(what+" plays", fmt.Sprintf(`(() => { const v = document.getElementById("video"); return v.readyState >= 3 && v.currentTime > %g && !v.error; })()`, from+0.5))
}

// seek jumps the video to at seconds and waits until it plays on from
// there. It first waits until at + 1 s is loaded: a streamed export (no
// Range) can only seek within what it has received.
func (b *browser) seek(what string, at float64) {
	b.t.Helper()
	b.waitJS(what+" loaded past the seek", fmt.Sprintf(`(() => { const v = document.getElementById("video"); return v.buffered.length > 0 && v.buffered.end(v.buffered.length - 1) > %g; })()`, at+1))
	evalJS[bool](b, fmt.Sprintf(`document.getElementById("video").currentTime = %g; true`, at))
	b.playing(what+" after a seek to "+fmt.Sprint(at), at)
}

// showStream selects sp in the Recordings page's filters and waits for its rows.
func (b *browser) showStream(sp string) {
	b.t.Helper()
	b.waitJS("catalog lists "+sp, fmt.Sprintf(`[...document.querySelectorAll("#f-stream option")].some(o => o.value === %q)`, sp))
	evalJS[bool](b, fmt.Sprintf(`(() => { const s = document.getElementById("f-stream"); s.value = %q; s.dispatchEvent(new Event("change")); return true; })()`, sp))
	b.waitJS(sp+" listed", `document.querySelectorAll("#rec-table tbody tr").length > 0 && document.getElementById("status").textContent.startsWith(`+fmt.Sprintf("%q", sp+":")+`)`)
}

// TestConsoleInBrowser drives the console in Debian's chromium against the
// daemon in process, with real publishers: a wrong token is refused with
// a clear message; a publish appears in Live within 2 s and its recording
// grows; recordings of ffmpeg publishes show on the timeline and in the
// list, and Play advances the video for MP4, fMP4, HLS (hls.js) and FLV
// (through the export as fMP4), seeking too; Tab to Play and Enter plays;
// pin, an event triggered from Live, and delete show in the list; Health
// shows the config generation and free disk space. No JavaScript error,
// console error or failed load happens outside the wrong-token step.
func TestConsoleInBrowser(t *testing.T) {
	testenv.Tool(t, "chromium")
	clip := testmedia.ClipLength(t, testmedia.AV, 6)
	dir := t.TempDir()
	d, api, logs, _ := runIndexed(t, writeConf(t, consoleConf(dir)))
	api.Base = strings.Replace(api.Base, "/mp4/api", "/api/record", 1)
	rtmp := rtmpAddr(d, 0)
	published := publishFormats(t, rtmp, clip)

	b := newBrowser(t)
	base := "http://" + d.web.Addrs()[0].String() + "/console/"
	b.run("open the console", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.CSS("#token")))
	b.run("wrong token", chromedp.SendKeys(chromedp.CSS("#token"), "nope"), chromedp.Click(chromedp.CSS("#login-button")))
	b.waitJS("wrong token message", `document.getElementById("login-error").textContent.includes("Wrong token")`)
	b.shot("login-wrong-token")
	b.takeErrors() // the refused config.json is a failed load, as it should be

	b.run("log in", chromedp.SetValue(chromedp.CSS("#token"), "tok"), chromedp.Click(chromedp.CSS("#login-button")),
		chromedp.WaitVisible(chromedp.CSS("#live-table")))

	// Live: a publish appears within 2 s and its recording grows.
	p := startPublisher(t, rtmp, "live", "cam")
	began := time.Now()
	b.waitJS("live/cam in Live", `!!document.querySelector('#live-table tr[data-stream="live/cam"] li[data-recorder="all"]')`)
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("live/cam appeared in Live after %v, want within 2 s", took)
	}
	size0 := evalJS[int64](b, `Number(document.querySelector('#live-table tr[data-stream="live/cam"] li[data-recorder="all"]').dataset.size)`)
	b.waitJS("live/cam's recording grows", fmt.Sprintf(`Number(document.querySelector('#live-table tr[data-stream="live/cam"] li[data-recorder="all"]').dataset.size) > %d`, size0))
	b.run("trigger an event", chromedp.Click(chromedp.CSS(`#live-table tr[data-stream="live/cam"] button.event`)))
	b.waitJS("event answered", `document.getElementById("status").textContent.startsWith("Event console-")`)
	b.shot("live")

	<-published
	for _, f := range []string{"mp4", "fmp4", "hls", "flv"} {
		waitFor(t, 15*time.Second, f+"/clip recorded", func() bool { return len(listRows(t, api, f+"/clip", "status=done")) == 1 }, logs.String)
	}
	b.run("recordings page", chromedp.Click(chromedp.CSS(`nav [data-page="recordings"]`)), chromedp.WaitVisible(chromedp.CSS("#rec-table")))
	for _, f := range []string{"mp4", "fmp4", "hls", "flv"} {
		b.showStream(f + "/clip")
		b.waitJS(f+" recording on the timeline", `document.querySelectorAll("#timeline .bar").length === 1`)
		b.run("play "+f, chromedp.Click(chromedp.CSS(`#rec-table tbody tr button.play`)))
		b.playing(f, 0)
		b.seek(f, 3)
		b.shot("play-" + f)
	}

	// The keyboard alone: Tab to the fMP4 recording's Play, Enter plays.
	b.showStream("fmp4/clip")
	evalJS[bool](b, `stopPlayer(); document.activeElement.blur(); true`)
	var found bool
	for range 80 {
		b.run("tab", chromedp.KeyEvent(kb.Tab))
		found = evalJS[bool](b, `document.activeElement.matches("#rec-table button.play")`)
		if found {
			break
		}
	}
	if !found {
		t.Fatal("Tab never reached the Play button")
	}
	b.run("enter", chromedp.KeyEvent(kb.Enter))
	b.playing("fmp4 from the keyboard", 0)

	// Pin, then delete the MP4 recording.
	b.showStream("mp4/clip")
	b.run("pin", chromedp.Click(chromedp.CSS(`#rec-table tbody tr button.pin`)))
	b.waitJS("pinned", `document.querySelector("#rec-table tbody tr").dataset.pinned === "true"`)
	id := evalJS[int64](b, `Number(document.querySelector("#rec-table tbody tr").dataset.id)`)
	b.run("unpin", chromedp.Click(chromedp.CSS(`#rec-table tbody tr button.pin`)))
	b.waitJS("unpinned", `document.querySelector("#rec-table tbody tr").dataset.pinned === "false"`)
	b.run("delete", chromedp.Click(chromedp.CSS(`#rec-table tbody tr button.delete`)))
	b.waitJS("delete armed", `document.querySelector("#rec-table tbody tr button.delete").textContent === "Confirm delete"`)
	b.run("confirm delete", chromedp.Click(chromedp.CSS(`#rec-table tbody tr button.delete`)))
	b.waitJS("deleted", `document.querySelectorAll("#rec-table tbody tr").length === 0 && document.getElementById("status").textContent === "mp4/clip: 0 recording(s)"`)
	if rows := listRows(t, api, "mp4/clip", "status=deleted"); len(rows) != 1 || rows[0].ID != id {
		t.Errorf("after delete in the console, deleted rows %+v, want id %d", rows, id)
	}

	// The event triggered from Live: its recording and marker.
	if _, err := p.finish(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the event's recording", func() bool { return len(listRows(t, api, "live/cam", "eventOnly=true&status=done")) == 1 }, logs.String)
	b.showStream("live/cam")
	b.waitJS("event marker", `!!document.querySelector("#timeline .mark[data-event^='console-']") && [...document.querySelectorAll("#rec-table td.events")].some(td => td.textContent.includes("console"))`)
	b.shot("recordings")
	b.run("phone width", chromedp.EmulateViewport(390, 844))
	b.shot("recordings-phone")
	b.run("desktop width", chromedp.EmulateViewport(1280, 720))

	b.run("health page", chromedp.Click(chromedp.CSS(`nav [data-page="health"]`)))
	b.waitJS("health", `document.getElementById("health-info").textContent.includes("Config generation1") && !!document.querySelector("#disk-table tr[data-path]")`)
	b.shot("health")
	if errs := b.takeErrors(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// publishFormats publishes clip with ffmpeg (not paced) to mp4/clip,
// fmp4/clip, hls/clip and flv/clip at once; the channel closes when all
// ended, the test failing if one did not.
func publishFormats(t *testing.T, rtmp, clip string) <-chan struct{} {
	t.Helper()
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, app := range []string{"mp4", "fmp4", "hls", "flv"} {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := testmedia.Publish(ctx, t, clip, "rtmp://"+rtmp+"/"+app+"/clip", false); err != nil {
				t.Error(err)
			}
		})
	}
	go func() { wg.Wait(); close(done) }()
	return done
}
