package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// GitDates are the times of each file's first commit, by path relative to the source folder: the date of last
// resort for a postmortem that states none. They come from one `git log` per build (not one per file: a hundred
// processes would cost more than the rest of the build).
type GitDates map[string]time.Time

// gitTimeout bounds the one git call: a source folder inside a huge repository must not stall the build.
const gitTimeout = 30 * time.Second

// ErrShallow says the git history is cut short (a CI checkout of depth 1): every file would date from the same
// commit, so the history is not used.
var ErrShallow = errors.New("the git history is shallow (a CI checkout with a limited depth?): dates from it would be the checkout's; fetch the whole history (actions/checkout: fetch-depth: 0; GitLab: GIT_DEPTH: 0)")

// ReadGitDates asks git when each file below root was first committed (at its current path: a file renamed dates
// from its rename). It returns nil and no error when root is not inside a git work tree or git is not installed,
// and nil and an error, for a warning, when git fails or the history is shallow: the build goes on without.
func ReadGitDates(root string) (GitDates, error) {
	gitDir := findGitDir(root)
	if gitDir == "" {
		return nil, nil
	}
	bin, err := exec.LookPath("git")
	if err != nil {
		return nil, nil
	}
	if shallow(gitDir) {
		return nil, ErrShallow
	}
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	// -z: names as they are (no quoting of spaces and non-ASCII); --relative: relative to root, and only below it;
	// --diff-filter=A --no-renames: the commit that added each path.
	cmd := exec.CommandContext(ctx, bin, "-C", root, "log", "--no-renames", "--diff-filter=A", "--name-only", "-z",
		"--format=%x00T%at", "--relative", "--", ".")
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if ctx.Err() != nil {
			msg = "took longer than " + gitTimeout.String()
		}
		return nil, fmt.Errorf("git log: %s", strings.TrimSpace(err.Error()+": "+msg))
	}
	return parseGitLog(out), nil
}

// parseGitLog reads `git log -z --format=%x00T%at --name-only`: a commit is an empty field, "T<unix time>", then
// its paths (the first after a newline). Newest commits come first, so a path's last time is its first commit's.
func parseGitLog(out []byte) GitDates {
	dates := GitDates{}
	var at time.Time
	prevEmpty := true
	for _, f := range bytes.Split(out, []byte{0}) {
		switch {
		case len(f) == 0:
			prevEmpty = true
			continue
		case prevEmpty && f[0] == 'T':
			if s, err := strconv.ParseInt(string(f[1:]), 10, 64); err == nil {
				at = time.Unix(s, 0).UTC()
			}
		default:
			name := string(bytes.TrimLeft(f, "\n"))
			if name != "" && !at.IsZero() {
				dates[filepath.ToSlash(name)] = at
			}
		}
		prevEmpty = false
	}
	return dates
}

// findGitDir returns the .git of the work tree that root is in (a folder, or the file a linked work tree or a
// submodule has), or "".
func findGitDir(root string) string {
	for d := root; ; d = filepath.Dir(d) {
		p := filepath.Join(d, ".git")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// shallow reports whether the repository of a .git is a shallow clone: its git directory, or the common one of a
// linked work tree, has a "shallow" file.
func shallow(gitDir string) bool {
	dir := gitDir
	if st, err := os.Stat(gitDir); err == nil && !st.IsDir() {
		data, err := os.ReadFile(gitDir)
		if err != nil {
			return false
		}
		line, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
		if !ok {
			return false
		}
		dir = strings.TrimSpace(line)
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(filepath.Dir(gitDir), dir)
		}
		if common, err := os.ReadFile(filepath.Join(dir, "commondir")); err == nil {
			c := strings.TrimSpace(string(common))
			if !filepath.IsAbs(c) {
				c = filepath.Join(dir, c)
			}
			dir = c
		}
	}
	_, err := os.Stat(filepath.Join(dir, "shallow"))
	return err == nil
}
