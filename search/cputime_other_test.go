//go:build !unix

package search

import "time"

// processCPU is not measured on this platform; cpu-ms/op reads 0.
func processCPU() time.Duration { return 0 }
