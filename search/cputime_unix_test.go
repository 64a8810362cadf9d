//go:build unix

package search

import (
	"syscall"
	"time"
)

// processCPU is user+system CPU time of this process. Benchmarks report
// CPU per operation because wall-clock numbers swing with other load on
// shared machines.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
