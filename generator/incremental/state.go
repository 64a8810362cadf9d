package incremental

import (
	"encoding/json"
	"os"
	"strconv"

	"github.com/secondstory/secondstory/generator/diag"
)

// stateFormat changes whenever what a build writes changes in a way the fingerprint cannot see.
const stateFormat = "secondstory-state-2"

// State is what a one-off build records beside the site once it committed: a fingerprint of every input, and the
// diagnostics it reported. A build whose inputs have the same fingerprint has nothing to write.
type State struct {
	Format      string    `json:"format"`
	Fingerprint string    `json:"fingerprint"`
	Diagnostics diag.List `json:"diagnostics"`
}

// LoadState reads the state at path; nil when there is none or it is of another format.
func LoadState(path string) *State {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var st State
	if json.Unmarshal(data, &st) != nil || st.Format != stateFormat {
		return nil
	}
	return &st
}

// SaveState records a committed build. Failing to write it only costs the next build its shortcut.
func SaveState(path string, fingerprint uint64, diags diag.List) {
	data, err := json.Marshal(State{Format: stateFormat, Fingerprint: strconv.FormatUint(fingerprint, 16), Diagnostics: diags})
	if err != nil {
		return
	}
	if os.WriteFile(path+".tmp", data, 0o644) == nil {
		_ = os.Rename(path+".tmp", path)
	}
}

// Matches reports whether the state records the fingerprint.
func (st *State) Matches(fingerprint uint64) bool {
	return st != nil && st.Fingerprint == strconv.FormatUint(fingerprint, 16)
}
