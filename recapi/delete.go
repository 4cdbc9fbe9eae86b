package recapi

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// deleteResult is one id's outcome.
type deleteResult struct {
	ID      int64  `json:"id"`
	Deleted bool   `json:"deleted"`
	Status  string `json:"status"` // deleted, notFound, inProgress, pinned, failed
	Message string `json:"message,omitempty"`
}

func (rq *request) remove(sp string) {
	b, err := io.ReadAll(rq.r.Body)
	if err != nil {
		fail(rq.w, http.StatusRequestEntityTooLarge, "body: "+err.Error())
		return
	}
	req, err := parseDeleteBody(b)
	if err != nil {
		fail(rq.w, http.StatusBadRequest, err.Error())
		return
	}
	rows, err := rq.selected(sp, req)
	if err != nil {
		rq.internal(err)
		return
	}
	out := struct {
		Results []deleteResult `json:"results"`
	}{Results: []deleteResult{}}
	for _, id := range rows {
		out.Results = append(out.Results, rq.api.deleteOne(rq.ctx(), rq, sp, id, req.Force))
	}
	reply(rq.w, http.StatusOK, out)
}

// selected lists the ids a delete names: its ids, or the stream's rows
// overlapping its range.
func (rq *request) selected(sp string, req deleteRequest) ([]int64, error) {
	if len(req.IDs) > 0 {
		return req.IDs, nil
	}
	rows, _, err := rq.api.o.Store.List(rq.ctx(), index.Query{StreamPath: sp, Start: req.Start, End: req.End, Size: maxDeleteIDs})
	var ids []int64
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids, err
}

// deleteOne removes one recording's file and marks its row deleted. A
// recording in progress is stopped first and a pinned one deleted only
// with force.
//
// Another node's recording is deleted by that node, through its API.
func (a *API) deleteOne(ctx context.Context, rq *request, sp string, id int64, force bool) deleteResult {
	res := deleteResult{ID: id}
	r, err := a.o.Store.Get(ctx, id)
	if errors.Is(err, index.ErrNotFound) || err == nil && (r.StreamPath != sp || r.Status == index.StatusDeleted) {
		res.Status, res.Message = "notFound", "no such recording of "+sp
		return res
	}
	if err != nil {
		return a.deleteFailed(res, err)
	}
	if ns, remote := a.owner(&r); remote {
		return a.forwardDelete(ctx, rq, ns, &r, force)
	}
	switch {
	case r.Status == index.StatusRecording && !force:
		res.Status, res.Message = "inProgress", "being recorded: stop it first or pass force"
		return res
	case r.Pinned && !force:
		res.Status, res.Message = "pinned", "pinned: unpin it first or pass force"
		return res
	case r.Status == index.StatusRecording:
		if r, err = a.stopFor(ctx, r); err != nil {
			return a.deleteFailed(res, err)
		}
	}
	if err := recfile.Remove(r.Path); err != nil && !errors.Is(err, fs.ErrNotExist) { // an HLS directory whole
		return a.deleteFailed(res, err)
	}
	if r, err = a.o.Store.Mark(ctx, r.ID, index.Mark{Status: index.StatusDeleted, Updated: a.o.Now()}); err != nil {
		return a.deleteFailed(res, err)
	}
	a.journal(index.JournalEntry{Time: r.Updated, Op: index.OpDelete, Path: r.Path, Row: &r})
	a.log.Info("record api: recording deleted", "id", id, "path", r.Path)
	res.Deleted, res.Status = true, "deleted"
	return res
}

// stopFor stops the recorder writing r and returns r as closed.
func (a *API) stopFor(ctx context.Context, r index.Recording) (index.Recording, error) {
	if a.o.Recorder != nil {
		if _, err := a.o.Recorder.Stop(r.App, r.Name, r.Recorder); err != nil {
			return r, err
		}
	}
	if a.o.Writer != nil {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		a.o.Writer.Sync(sctx)
	}
	if got, err := a.o.Store.Get(ctx, r.ID); err == nil {
		return got, nil
	}
	return r, nil // the empty file was discarded with its row: put it back as deleted
}

func (a *API) deleteFailed(res deleteResult, err error) deleteResult {
	a.log.Error("record api: delete failed", "id", res.ID, "err", err)
	res.Status, res.Message = "failed", err.Error()
	return res
}

// journal records what the files cannot tell; a failure is logged (the
// change is in the database; only a rebuild would miss it).
func (a *API) journal(e index.JournalEntry) {
	if a.o.Journal == nil {
		return
	}
	if err := a.o.Journal.Append(e); err != nil {
		a.log.Error("record api: journal append failed; a rebuild would not restore this change", "op", e.Op, "path", e.Path, "err", err)
	}
}
