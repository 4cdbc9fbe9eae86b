package recapi

import (
	"net/http"

	"github.com/rtmprecd/rtmprecd/retention"
)

// retention is GET retention: the last pass, what each rule removed since
// start, and each recording filesystem's free and used bytes, floor,
// oldest recording and time to full, for an operator to alert on.
func (rq *request) retention() {
	if rq.api.o.Retention == nil {
		fail(rq.w, http.StatusNotFound, "retention is not running")
		return
	}
	st := rq.api.o.Retention()
	if st.Removed == nil {
		st.Removed = map[string]retention.RuleCount{}
	}
	if st.Disks == nil {
		st.Disks = []retention.DiskStatus{}
	}
	reply(rq.w, http.StatusOK, st)
}
