//go:build linux

package generator

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// maxIovecs is IOV_MAX on Linux: the most pieces one writev takes.
const maxIovecs = 1024

// writePieces hands the pieces to the kernel as they lie, up to maxIovecs per writev: the kernel copies them into
// the file once, where gathering them first (writeBuffered) copied every byte twice — at 10,000 postmortems, 40 MB
// per retitling save.
func writePieces(f *os.File, d fileData) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return writeBuffered(f, d)
	}
	for len(d) > 0 {
		batch := d[:min(len(d), maxIovecs)]
		var n int
		var werr error
		if err := rc.Write(func(fd uintptr) bool {
			n, werr = unix.Writev(int(fd), batch)
			return werr != unix.EAGAIN
		}); err != nil {
			return err
		}
		if werr == unix.EINTR {
			continue
		}
		if werr != nil {
			return &os.PathError{Op: "writev", Path: f.Name(), Err: werr}
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		d = advance(d, n)
	}
	return nil
}
