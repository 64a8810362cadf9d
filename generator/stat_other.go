//go:build !linux

package generator

import "os"

func statFile(path string) fileStat {
	info, err := os.Stat(path)
	if err != nil {
		return fileStat{}
	}
	return fileStat{size: info.Size(), mtime: info.ModTime().UnixNano()}
}
