//go:build !linux

package search

import "errors"

// exchange is Linux-only (renameat2); elsewhere swap uses two renames.
func exchange(a, b string) error { return errors.ErrUnsupported }
