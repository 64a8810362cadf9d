package output

import (
	"errors"
	"os"
	"syscall"

	"github.com/secondstory/secondstory/generator/diag"
)

// ErrBusy says another process is writing the same site: a serve --watch previewing it, or a build.
var ErrBusy = errors.New("another secondstory process is writing this site")

// Lock takes the site's lock, held while this process may write the site: for a build's duration, for a preview's
// lifetime. It does not wait: a second writer is told at once (ErrBusy) instead of corrupting the first's work.
func (p Paths) Lock() (unlock func(), err error) {
	f, err := os.OpenFile(p.LockFile, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, diag.Env("%v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, &diag.EnvError{Err: ErrBusy}
	}
	return func() { f.Close() }, nil
}

// RecoverIdle is Recover for a process that reads the site but does not write it (serve --no-build): it recovers
// only when no writer holds the lock. A running build's fresh folder and staged files are its work in progress,
// not a killed build's leftovers, and removing them from under it made it swap in a partial site.
func (p Paths) RecoverIdle() error {
	unlock, err := p.Lock()
	if errors.Is(err, ErrBusy) {
		return nil // the writer recovers what it needs when it starts
	}
	if err != nil {
		return err
	}
	defer unlock()
	return p.Recover()
}
