package search

// The tables the index keeps per document, the content hashes (hash.go)
// and the body's word pairs (phrase.go), are each split into tableShards
// files by document ID (tables.go), so that a Sync that writes or deletes
// k documents decodes, encodes and writes at most k shards of each rather
// than whole tables: at 10,000 documents the pairs are about 10 MB, and
// decoding and encoding both tables took half the CPU time of a Sync of
// one document.
const tableShards = 32

// shardOf is the shard of both tables that holds id's entries: FNV-1a of
// the ID. It says where existing indexes keep them, so changing it (or
// tableShards) needs a new formatVersion.
func shardOf(id string) int {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return int(h % tableShards)
}

// shardsOf marks the shards holding the entries of deletes and upserts.
func shardsOf(deletes []string, upserts []Document) (touched [tableShards]bool) {
	for _, id := range deletes {
		touched[shardOf(id)] = true
	}
	for _, d := range upserts {
		touched[shardOf(d.ID)] = true
	}
	return touched
}
