package search

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Why merge at all: bleve's BM25 takes a field's average length from the
// term dictionaries of all segments: ceil(sum of their sizes / live
// documents). A term counts once per segment that holds it, deleted
// documents' terms included, so every segment a Sync adds (one per batch,
// holding the whole vocabulary of the documents it writes) raises the
// average, and the scores with it, until the segments are merged into
// one; then they equal a fresh Build's exactly. Added documents do it as
// much as rewritten ones. The rise is not proportional to the number of
// changes: the average is rounded up to a whole number, so a few new
// terms can push it to the next one. Measured: after one changed document
// in the tests' 312 documents of small vocabulary (average 1, then 2),
// scores up to 93 % higher; in 10,000 generated documents with a
// realistic vocabulary (body average 20), none after 9 changes, up to
// 10 % after 99, with the same top 10 for the queries tried. Matching
// documents, totals, facets and fragments never differ.
//
// Merging the whole index costs about a second per 10,000 documents, too
// much for every save. So Sync counts the documents written or deleted
// since the index was last merged (the count is kept in the index, in the
// same batch as the documents) and merges only when the count exceeds
// mergeShare of the live documents; an index held with OpenWritable
// merges after idleMergeDelay without changes instead, and in the Sync
// only past writerMergeShare: the preview's saves come every few hundred
// milliseconds while an author types, and a merge in one of them would
// hold that save's reload for as long as the merge takes.

// unmergedKey names the bleve internal value counting the documents
// written (added or rewritten) or deleted since the index was last merged
// into one segment. A fresh Build has none, which reads as zero.
const unmergedKey = "secondstory.unmerged"

// mergeShare: Sync merges when more than this share of the live documents
// changed since the last merge (at 10,000 documents, every ~100 changes;
// below 100 documents, every Sync).
const mergeShare = 0.01

// writerMergeShare is mergeShare for an index held with OpenWritable, which
// merges when idle anyway: a bound for an author who never pauses.
const writerMergeShare = 0.1

// idleMergeDelay is how long an index opened with OpenWritable waits
// after its last change before it merges in the background.
const idleMergeDelay = 2 * time.Second

// overBound reports whether n unmerged changes call for a merge in an
// index of live documents.
func overBound(n uint64, live int) bool {
	return float64(n) > mergeShare*float64(live)
}

// mergeDue reports whether a Sync that leaves n unmerged changes in ix,
// of live documents, merges before it returns.
func (ix *Index) mergeDue(n uint64, live int) bool {
	if ix.idleMerge {
		return float64(n) > writerMergeShare*float64(live)
	}
	return overBound(n, live)
}

func encodeCount(n uint64) []byte { return strconv.AppendUint(nil, n, 10) }

// unmerged reads the count of unmerged changes. An unreadable count is
// taken as huge, so that the next Sync merges and rewrites it.
func (ix *Index) unmerged() (uint64, error) {
	b, err := ix.bi.GetInternal([]byte(unmergedKey))
	if err != nil || len(b) == 0 {
		return 0, err
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return math.MaxUint64 / 2, nil
	}
	return n, nil
}

// Compact merges the index into one segment, so that its scores equal a
// fresh Build's exactly (Sync leaves that to later; see Sync). It runs in
// the caller's goroutine and stops early, with ctx's error, when ctx ends
// (at 10,000 documents within about 0.25 s: bleve checks between steps);
// the index is then as correct as before, merely not merged. Searches keep
// working meanwhile; Syncs wait. The index must be open with
// OpenWritable. About a second for 10,000 documents; nothing to do after
// a Build or a merge.
func (ix *Index) Compact(ctx context.Context) error {
	// If ctx ends first, the background merge cancelled by writing is
	// still due, and scheduled again.
	return ix.writing(func() error { return ix.compact(ctx) })
}

// writing runs fn as the index's writer: the background merge is
// cancelled (and scheduled again afterwards when still due), other
// writers wait, and Close waits for fn.
func (ix *Index) writing(fn func() error) error {
	ix.cancelIdleMerge()
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return ErrClosed
	}
	if !ix.writable {
		return errors.New("search: index was opened read-only; use OpenWritable")
	}
	defer ix.scheduleIdleMergeIfDue()
	return fn()
}

// compact merges the index into one segment and then sets the count of
// unmerged changes to zero. The caller holds syncMu, so that no change
// comes between the merge and the reset. It stops with ctx's error when
// ctx ends.
//
// One segment holding deleted documents is left as it is: bleve merges
// segments with each other, never one alone (Sync avoids making one, see
// sync). The count then stays, and a later merge, after the next change,
// completes the work.
func (ix *Index) compact(ctx context.Context) error {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return err
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	// Merges take persisted segments: let the last batches reach the disk.
	ix.waitPersisted()
	// One ForceMerge merges at most 10 segments into each new one, so
	// more than that takes several rounds.
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		before, done, err := segmentState(s)
		if err != nil {
			return err
		}
		if done {
			break
		}
		if err := s.ForceMerge(ctx, nil); err != nil {
			return err
		}
		// ForceMerge reports no error when ctx ended it.
		if err := ctx.Err(); err != nil {
			return err
		}
		after, done, err := segmentState(s)
		if err != nil {
			return err
		}
		if done {
			break
		}
		if after >= before {
			return nil // nothing bleve will merge; see above
		}
	}
	n, err := ix.unmerged()
	if err != nil || n == 0 {
		return err
	}
	b := ix.bi.NewBatch()
	b.SetInternal([]byte(unmergedKey), encodeCount(0))
	return ix.batch(b, nil)
}

// segmentState reports how many segments the index has, and whether it is
// merged: at most one segment and no deleted documents (or no live
// documents at all, which have no scores to differ).
func segmentState(s *scorch.Scorch) (segments int, merged bool, err error) {
	r, err := s.Reader()
	if err != nil {
		return 0, false, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return 0, true, nil
	}
	var live, deleted uint64
	for _, seg := range snap.Segments() {
		segments++
		live += seg.Count()
		if d := seg.Deleted(); d != nil {
			deleted += d.GetCardinality()
		}
	}
	return segments, live == 0 || (segments <= 1 && deleted == 0), nil
}

// scheduleIdleMergeIfDue arranges, for an index opened with OpenWritable
// that is not merged, a background merge after idleMergeDelay; it
// replaces the one scheduled before. The caller holds syncMu and mu (read)
// and has checked that the index is open, or has just opened it.
func (ix *Index) scheduleIdleMergeIfDue() {
	if !ix.idleMerge {
		return
	}
	if n, err := ix.unmerged(); err == nil && n == 0 {
		return
	}
	ix.bgMu.Lock()
	defer ix.bgMu.Unlock()
	if ix.bgClosed {
		return
	}
	ix.cancelIdleMergeLocked()
	ctx, cancel := context.WithCancel(context.Background())
	ix.bgCancel = cancel
	ix.bgWG.Add(1)
	ix.bgTimer = time.AfterFunc(idleMergeDelay, func() {
		defer ix.bgWG.Done()
		ix.runIdleMerge(ctx)
	})
}

// cancelIdleMerge cancels the scheduled background merge, or stops the
// running one; the merge returns soon after, releasing syncMu.
func (ix *Index) cancelIdleMerge() {
	ix.bgMu.Lock()
	defer ix.bgMu.Unlock()
	ix.cancelIdleMergeLocked()
}

func (ix *Index) cancelIdleMergeLocked() {
	if ix.bgCancel != nil {
		ix.bgCancel()
		ix.bgCancel = nil
	}
	if ix.bgTimer != nil {
		if ix.bgTimer.Stop() {
			ix.bgWG.Done() // its function will not run
		}
		ix.bgTimer = nil
	}
}

// stopIdleMerge cancels any background merge for good and waits for it to
// return; Close calls it before closing the index.
func (ix *Index) stopIdleMerge() {
	ix.bgMu.Lock()
	ix.bgClosed = true
	ix.cancelIdleMergeLocked()
	ix.bgMu.Unlock()
	ix.bgWG.Wait()
}

// testHookIdleMerge, when set, runs in the background merge just before it
// merges; tests use it to hold the merge there.
var testHookIdleMerge func(ctx context.Context)

// testHookIdleMergeDone, when set, is told how each background merge
// ended (nil: the index is merged).
var testHookIdleMergeDone func(err error)

func (ix *Index) runIdleMerge(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	// A Sync cancels ctx before it waits for syncMu, so this waits at
	// most for a Sync that began just now, and then gives way.
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed || ctx.Err() != nil {
		return
	}
	if testHookIdleMerge != nil {
		testHookIdleMerge(ctx)
	}
	err := ix.compact(ctx)
	if testHookIdleMergeDone != nil {
		testHookIdleMergeDone(err)
	}
}
