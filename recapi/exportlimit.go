package recapi

import "time"

// exportMax is record_export_max, or its default.
func (a *API) exportMax() time.Duration {
	if a.o.ExportMax > 0 {
		return a.o.ExportMax
	}
	return DefaultExportMax
}

// acquireExport takes one of the record_export_concurrency slots; false
// when all are taken.
func (a *API) acquireExport() (release func(), ok bool) {
	a.exportsOnce.Do(func() {
		n := a.o.ExportConcurrency
		if n <= 0 {
			n = DefaultExportConcurrency
		}
		a.exports = make(chan struct{}, n)
	})
	select {
	case a.exports <- struct{}{}:
		return func() { <-a.exports }, true
	default:
		return nil, false
	}
}
