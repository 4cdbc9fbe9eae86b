package record

import "sync"

// openFiles is the registry of the files this process is recording, by
// device and inode, so two recorders never write one file whatever path
// reached it: two applications sharing record_path with record_append,
// record_path spelled two ways, or a directory reached through a link.
// The second writer gets the next free name. Other processes are kept
// out by record_lock.
type openFiles struct {
	mu  sync.Mutex
	ids map[fileID]struct{}
}

// claim registers id; false means another recording has it open.
func (o *openFiles) claim(id fileID) bool {
	if o == nil {
		return true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, busy := o.ids[id]; busy {
		return false
	}
	if o.ids == nil {
		o.ids = make(map[fileID]struct{})
	}
	o.ids[id] = struct{}{}
	return true
}

// release forgets id once its file is closed.
func (o *openFiles) release(id fileID) {
	if o == nil {
		return
	}
	o.mu.Lock()
	delete(o.ids, id)
	o.mu.Unlock()
}
