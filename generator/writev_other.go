//go:build !linux

package generator

import "os"

func writePieces(f *os.File, d fileData) error { return writeBuffered(f, d) }
