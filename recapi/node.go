package recapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// ForwardedHeader marks a request that one node sent another for a
// recording of the other: the receiver serves its own rows and never
// forwards again, so a stale node_url cannot make a loop.
const ForwardedHeader = "X-Rtmprecd-Forwarded"

// forwardHeaders are the request headers a forwarded download keeps.
var forwardHeaders = []string{"Range", "If-Range", "If-Modified-Since", "If-None-Match", "If-Match", "If-Unmodified-Since"}

// answerHeaders are the response headers a forwarded download returns.
var answerHeaders = []string{"Content-Type", "Content-Length", "Content-Range", "Content-Disposition", "Accept-Ranges",
	"Last-Modified", "ETag", "X-Content-Type-Options"}

// forwardClient sends forwarded calls; bodies stream, so only the wait
// for the other node's answer is bounded.
var forwardClient = &http.Client{Transport: &http.Transport{
	Proxy:                 nil,
	ResponseHeaderTimeout: 15 * time.Second,
	IdleConnTimeout:       time.Minute,
}}

// owner is the node whose files r describes when that is another node
// of a shared index, else "".
func (a *API) owner(r *index.Recording) (index.NodeStore, bool) {
	ns, shared := a.o.Store.(index.NodeStore)
	if !shared || r.Node == "" || r.Node == ns.Node() {
		return nil, false
	}
	return ns, true
}

// down answers 503 when the database is unreachable (the writer is
// waiting for it), and reports whether it did.
func (rq *request) down() bool {
	if w := rq.api.o.Writer; w == nil || !w.Down() {
		return false
	}
	unavailable(rq.w)
	return true
}

func unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	fail(w, http.StatusServiceUnavailable, "the recordings index database is unreachable; recording goes on and the index catches up when it returns")
}

// nodeRequest builds a call of path (below the API) on r's node, with
// this location's token.
func (rq *request) nodeRequest(ctx context.Context, ns index.NodeStore, r *index.Recording, method, path string, body []byte) (*http.Request, error) {
	if rq.r.Header.Get(ForwardedHeader) != "" {
		return nil, fmt.Errorf("recording %d is on node %s, not on this node (%s), which was sent it by node %s",
			r.ID, r.Node, ns.Node(), rq.r.Header.Get(ForwardedHeader))
	}
	base, err := ns.NodeURL(ctx, r.Node)
	if err != nil {
		return nil, err
	}
	if base == "" {
		return nil, fmt.Errorf("recording %d is on node %s, which has no node_url to forward to", r.ID, r.Node)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base, "/")+"/"+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", r.Node, err)
	}
	if rq.token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.token)
	}
	req.Header.Set(ForwardedHeader, ns.Node())
	return req, nil
}

// forwardFile serves the file of another node's recording from that
// node's API: status, range and headers as it answers them.
// name, when not "", is a file of an HLS recording's directory.
func (rq *request) forwardFile(ns index.NodeStore, r *index.Recording, name string) {
	path := fmt.Sprintf("recordings/%d/file", r.ID)
	if name != "" {
		path += "/" + url.PathEscape(name)
	}
	req, err := rq.nodeRequest(rq.ctx(), ns, r, rq.r.Method, path, nil)
	if err != nil {
		rq.badGateway(err)
		return
	}
	for _, h := range forwardHeaders {
		if v := rq.r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	res, err := forwardClient.Do(req)
	if err != nil {
		rq.badGateway(fmt.Errorf("node %s: %w", r.Node, err))
		return
	}
	defer res.Body.Close()
	for _, h := range answerHeaders {
		if v := res.Header.Get(h); v != "" {
			rq.w.Header().Set(h, v)
		}
	}
	rq.w.WriteHeader(res.StatusCode)
	if _, err := io.Copy(rq.w, res.Body); err != nil {
		rq.api.log.Warn("record api: forwarded download cut", "id", r.ID, "node", r.Node, "err", err)
	}
}

// forwardDelete deletes another node's recording through that node's
// API and returns its result.
func (a *API) forwardDelete(ctx context.Context, rq *request, ns index.NodeStore, r *index.Recording, force bool) deleteResult {
	res := deleteResult{ID: r.ID}
	body, _ := json.Marshal(map[string]any{"ids": []int64{r.ID}, "force": force})
	req, err := rq.nodeRequest(ctx, ns, r, http.MethodPost, "delete/"+r.StreamPath, body)
	if err != nil {
		return a.deleteFailed(res, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := forwardClient.Do(req)
	if err != nil {
		return a.deleteFailed(res, fmt.Errorf("node %s: %w", r.Node, err))
	}
	defer resp.Body.Close()
	var out struct{ Results []deleteResult }
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || len(out.Results) != 1 {
		return a.deleteFailed(res, fmt.Errorf("node %s answered %s: %s", r.Node, resp.Status, bytes.TrimSpace(b)))
	}
	return out.Results[0]
}

// badGateway answers 502: the node that holds the file could not serve it.
func (rq *request) badGateway(err error) {
	if errors.Is(err, index.ErrUnavailable) {
		unavailable(rq.w)
		return
	}
	rq.api.log.Warn("record api: forwarding failed", "path", rq.r.URL.Path, "err", err)
	fail(rq.w, http.StatusBadGateway, err.Error())
}
