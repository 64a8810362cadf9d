package search

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The hashes are stored in the index, so hashDoc must give the same value
// in every process and every version that writes hashesVersion: a change
// to it needs a new version (and this value).
func TestHashDocStable(t *testing.T) {
	d := Document{
		ID: "db-failover", URL: "incidents/db-failover/", Title: "Database failover",
		Summary: "The replica lagged.", Body: strings.Repeat("The primary stalled and the replica lagged. ", 40),
		Timeline: "10:02 alert\n10:15 failover\n", Actions: "Add a lag alert\n",
		Tags: []string{"database", "failover"}, Factors: []string{"Capacity"}, Services: []string{"orders"},
		Severity: "SEV2", Status: "published", Date: day("2024-03-05"), DurationMinutes: 75,
	}
	// CRC-32C then CRC-32 (IEEE), little-endian, of the length-prefixed
	// fields; checked against an independent computation (Python's
	// zlib.crc32 and a bitwise CRC-32C).
	const want = "a77afe9e047990e0"
	h := hashDoc(d)
	if got := hex.EncodeToString(h[:]); got != want {
		t.Errorf("hashDoc = %s, want %s: the stored hashes changed meaning; bump hashesVersion and update this test", got, want)
	}
	if hashDocs([]Document{d})[d.ID] != h {
		t.Error("hashDocs disagrees with hashDoc")
	}
}

// Every field counts, text moving between fields counts, and no document
// hashes to zero, the value that marks documents to rewrite.
func TestHashDocFields(t *testing.T) {
	base := fixtureDocs()[0]
	seen := map[docHash]string{hashDoc(base): "base"}
	variant := func(name string, edit func(d *Document)) {
		t.Helper()
		d := base
		d.Tags = append([]string(nil), base.Tags...)
		edit(&d)
		h := hashDoc(d)
		if h == (docHash{}) {
			t.Errorf("%s: zero hash", name)
		}
		if other, ok := seen[h]; ok {
			t.Errorf("%s hashes like %s", name, other)
		}
		seen[h] = name
	}
	variant("ID", func(d *Document) { d.ID += "x" })
	variant("URL", func(d *Document) { d.URL += "x" })
	variant("Title", func(d *Document) { d.Title += "x" })
	variant("Summary", func(d *Document) { d.Summary += "x" })
	variant("Body", func(d *Document) { d.Body += "x" })
	variant("Timeline", func(d *Document) { d.Timeline += "x" })
	variant("Actions", func(d *Document) { d.Actions += "x" })
	variant("Severity", func(d *Document) { d.Severity += "x" })
	variant("Status", func(d *Document) { d.Status += "x" })
	variant("Tags", func(d *Document) { d.Tags = append(d.Tags, "x") })
	variant("Factors", func(d *Document) { d.Factors = append(d.Factors, "x") })
	variant("Services", func(d *Document) { d.Services = append(d.Services, "x") })
	variant("Date", func(d *Document) { d.Date = d.Date.Add(time.Nanosecond) })
	variant("DurationMinutes", func(d *Document) { d.DurationMinutes += 0.5 })
	variant("text moved between fields", func(d *Document) {
		d.Summary, d.Body = d.Summary+d.Body[:1], d.Body[1:]
	})
	variant("tag split in two", func(d *Document) { d.Tags = append([]string{"clo", "ud"}, d.Tags[1:]...) })
	// Long strings go straight to crc32, short ones through the buffer:
	// the boundary must not matter.
	for _, n := range []int{directMin - 1, directMin, 600} {
		d := base
		d.Body = strings.Repeat("b", n)
		var h docHasher
		h.str(d.Body)
		h.flush()
		want := docHasher{}
		for _, b := range binary.AppendUvarint(nil, uint64(n)) {
			want.update([]byte{b})
		}
		for range n {
			want.update([]byte{'b'})
		}
		if h.c != want.c || h.i != want.i {
			t.Errorf("a string of %d bytes hashes differently written whole and byte by byte", n)
		}
	}
}

// oldHashDoc is hashDoc as it was for version 1 of the table: 16 bytes of
// SHA-256.
func oldHashDoc(d Document) (out [16]byte) {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	str := func(s string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	strs := func(ss []string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(ss)))])
		for _, s := range ss {
			str(s)
		}
	}
	for _, s := range []string{d.ID, d.URL, d.Title, d.Summary, d.Body, d.Timeline, d.Actions, d.Severity, d.Status} {
		str(s)
	}
	strs(d.Tags)
	strs(d.Factors)
	strs(d.Services)
	str(d.Date.Format(time.RFC3339Nano))
	h.Write(n[:binary.PutUvarint(n[:], math.Float64bits(d.DurationMinutes))])
	copy(out[:], h.Sum(nil))
	return out
}

// encodeV1 writes docs' table of hashes as version 1 did.
func encodeV1(docs []Document) []byte {
	sorted := append([]Document(nil), docs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	b := []byte{1}
	for _, d := range sorted {
		b = binary.AppendUvarint(b, uint64(len(d.ID)))
		b = append(b, d.ID...)
		h := oldHashDoc(d)
		b = append(b, h[:]...)
	}
	return b
}

// oldIndex builds docs at dir and gives it the table of hashes an index
// written before the CRCs has.
func oldIndex(t *testing.T, dir string, docs []Document) {
	t.Helper()
	if err := Build(dir, docs); err != nil {
		t.Fatal(err)
	}
	w, err := openWait(dir, true, boltTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	b := w.bi.NewBatch() // through Index.batch, so Close waits for it to reach the disk
	b.SetInternal([]byte(hashesKey), encodeV1(docs))
	if err := w.batch(b); err != nil {
		t.Fatal(err)
	}
	h, err := w.hashes()
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != len(docs) {
		t.Fatalf("the version 1 table reads as %d documents, want %d", len(h), len(docs))
	}
	for id, dh := range h {
		if dh != (docHash{}) {
			t.Fatalf("%s: a version 1 hash reads as %x, want zero (rewrite)", id, dh)
		}
	}
}

func TestDecodeHashes(t *testing.T) {
	m := map[string]docHash{"a": {1, 2, 3, 4, 5, 6, 7, 8}, "bb": {9}, "": {}}
	b := encodeHashes(m)
	if b[0] != hashesVersion || len(b) != 1+3*(1+len(docHash{}))+3 {
		t.Errorf("encoding: version %d, %d bytes", b[0], len(b))
	}
	if got, err := decodeHashes(b); err != nil || !maps.Equal(got, m) {
		t.Errorf("round trip: %v, %v", got, err)
	}
	old := encodeV1(fixtureDocs()[:2])
	got, err := decodeHashes(old)
	if err != nil || len(got) != 2 || got[fixtureDocs()[0].ID] != (docHash{}) {
		t.Errorf("version 1: %v, %v", got, err)
	}
	for _, bad := range [][]byte{nil, {}, {0}, {3}, {hashesVersion, 5, 'a'}, {hashesVersion, 1, 'a', 1, 2}, old[:len(old)-1]} {
		if _, err := decodeHashes(bad); err != errBadHashes {
			t.Errorf("decodeHashes(%v): %v, want errBadHashes", bad, err)
		}
	}
}

// An index written with the old hashes (SHA-256, table version 1) is
// brought up to date by its first Sync, whichever way Sync takes: none of
// its documents may pass for unchanged, even those that did not change,
// since the old hashes cannot be compared with new ones; afterwards the
// index equals a fresh Build, and the next Sync finds nothing to do.
func TestSyncOldHashes(t *testing.T) {
	docs := fixtureDocs()
	edited := append([]Document(nil), docs...)
	edited[3].Body += " quokka"
	root := t.TempDir()
	fresh := filepath.Join(root, "fresh")
	if err := Build(fresh, edited); err != nil {
		t.Fatal(err)
	}
	want := internals(t, fresh)
	check := func(name, dir string, st SyncStats, err error, rebuilt bool) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st.Unchanged != 0 || st.Updated != len(docs) || st.Rebuilt != rebuilt {
			t.Errorf("%s: stats %+v, want all %d updated, rebuilt %v", name, st, len(docs), rebuilt)
		}
		if got := internals(t, dir); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the hashes or word pairs differ from a fresh Build's", name)
		}
		if s := siblings(t, dir); len(s) != 0 {
			t.Errorf("%s: left %v behind", name, s)
		}
	}
	again := func(name, dir string) {
		t.Helper()
		st, err := Sync(dir, edited)
		if err != nil || st.Changed() || st.Unchanged != len(docs) {
			t.Errorf("%s, second Sync: %+v, %v", name, st, err)
		}
		ix, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		if got := hitURLs(mustSearch(t, ix, Request{Query: "quokka"})); !reflect.DeepEqual(got, []string{"incidents/cert-expiry/"}) {
			t.Errorf("%s: search for the edit: %v", name, got)
		}
	}

	t.Run("nobody has it open", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "idx")
		oldIndex(t, dir, docs)
		st, err := Sync(dir, edited)
		check("Sync", dir, st, err, true)
		again("Sync", dir)
	})
	t.Run("reader open", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "idx")
		oldIndex(t, dir, docs)
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		st, err := Sync(dir, edited)
		r.Close()
		check("Sync beside a reader", dir, st, err, true)
		again("Sync beside a reader", dir)
	})
	t.Run("writer open", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "idx")
		oldIndex(t, dir, docs)
		w, err := OpenWritable(dir)
		if err != nil {
			t.Fatal(err)
		}
		st, err := Sync(dir, edited)
		if err == nil {
			if got := mustSearch(t, w, Request{Query: "quokka"}).Total; got != 1 {
				t.Errorf("the writer finds %d documents with the edit, want 1", got)
			}
		}
		w.Close()
		check("Sync through a writer", dir, st, err, true)
		again("Sync through a writer", dir)
	})
	t.Run("Index.Sync", func(t *testing.T) {
		// The method never rebuilds: it rewrites every document in place.
		dir := filepath.Join(t.TempDir(), "idx")
		oldIndex(t, dir, docs)
		w, err := OpenWritable(dir)
		if err != nil {
			t.Fatal(err)
		}
		st, err := w.Sync(edited)
		w.Close()
		check("Index.Sync", dir, st, err, false)
		again("Index.Sync", dir)
	})
	t.Run("Update", func(t *testing.T) {
		// Update writes new hashes for what it is given and keeps zero
		// for the rest, which the next Sync rewrites.
		dir := filepath.Join(t.TempDir(), "idx")
		oldIndex(t, dir, docs)
		w, err := OpenWritable(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := w.Update(edited[3:4], nil); err != nil {
			t.Fatal(err)
		}
		st, err := w.Sync(edited)
		if err != nil || st.Updated != len(docs)-1 || st.Unchanged != 1 {
			t.Errorf("Sync after Update: %+v, %v", st, err)
		}
		if st, err := w.Sync(edited); err != nil || st.Changed() {
			t.Errorf("second Sync: %+v, %v", st, err)
		}
	})
}

// TestSameDocEveryField: hashDocs reuses a hash when sameDoc says the document is unchanged, so sameDoc must look
// at every field (a field added to Document and forgotten there fails here).
func TestSameDocEveryField(t *testing.T) {
	base := Document{ID: "a", URL: "u", Title: "t", Summary: "s", Body: "b", Timeline: "tl", Actions: "ac",
		Tags: []string{"x"}, Factors: []string{"f"}, Services: []string{"v"}, Severity: "SEV1", Status: "published",
		Date: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), DurationMinutes: 5}
	if !sameDoc(base, base) {
		t.Fatal("a document differs from itself")
	}
	v := reflect.ValueOf(&base).Elem()
	for i := range v.NumField() {
		d := base
		d.Tags, d.Factors, d.Services = slices.Clone(base.Tags), slices.Clone(base.Factors), slices.Clone(base.Services)
		f := reflect.ValueOf(&d).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "!")
		case reflect.Slice:
			f.Index(0).SetString("changed")
		case reflect.Float64:
			f.SetFloat(f.Float() + 1)
		case reflect.Struct: // time.Time
			f.Set(reflect.ValueOf(base.Date.Add(time.Hour)))
		default:
			t.Fatalf("field %s of kind %s: teach this test (and sameDoc) about it", v.Type().Field(i).Name, f.Kind())
		}
		if sameDoc(base, d) {
			t.Errorf("sameDoc misses a change of %s", v.Type().Field(i).Name)
		}
		if hashDoc(base) == hashDoc(d) {
			t.Errorf("hashDoc misses a change of %s", v.Type().Field(i).Name)
		}
	}
}
