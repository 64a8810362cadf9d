//go:build !linux

package output

import "os"

// exchange swaps two folders with two renames where the system has no atomic exchange: a kill between them leaves
// the new site at a and the old one at a+".old"; the next build starts afresh from the marker-holding leftovers.
func exchange(a, b string) error {
	if err := os.Rename(b, a+".old"); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		_ = os.Rename(a+".old", b)
		return err
	}
	return os.Rename(a+".old", a)
}
