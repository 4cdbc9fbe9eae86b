package recapi

import "time"

// ExportLimits are the export limits of one record_api location
// (record_export_max, record_export_concurrency); zero values take the
// defaults.
type ExportLimits struct {
	Max         time.Duration // longest range; default DefaultExportMax
	Concurrency int           // exports at once; default DefaultExportConcurrency
}

func (l ExportLimits) max() time.Duration {
	if l.Max > 0 {
		return l.Max
	}
	return DefaultExportMax
}

func (l ExportLimits) concurrency() int {
	if l.Concurrency > 0 {
		return l.Concurrency
	}
	return DefaultExportConcurrency
}

// acquireExport takes one of the record_export_concurrency slots of the
// location at prefix; false when all are taken. A reload that changes the
// limit starts a new set of slots: the exports running keep theirs.
func (a *API) acquireExport(prefix string, l ExportLimits) (release func(), ok bool) {
	a.slotsMu.Lock()
	slots := a.slots[prefix]
	if cap(slots) != l.concurrency() {
		slots = make(chan struct{}, l.concurrency())
		a.slots[prefix] = slots
	}
	a.slotsMu.Unlock()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, true
	default:
		return nil, false
	}
}
