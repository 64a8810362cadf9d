package search

import (
	"encoding/binary"
	"encoding/hex"
	"maps"
	"reflect"
	"slices"
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
	if hashDocs([]Document{d})[0] != h {
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

func TestDecodeHashes(t *testing.T) {
	m := map[string]docHash{"a": {1, 2, 3, 4, 5, 6, 7, 8}, "bb": {9}, "": {}}
	b := encodeHashes(m)
	if b[0] != hashesVersion || len(b) != 1+3*(1+len(docHash{}))+3 {
		t.Errorf("encoding: version %d, %d bytes", b[0], len(b))
	}
	if got, err := decodeHashes(b); err != nil || !maps.Equal(got, m) {
		t.Errorf("round trip: %v, %v", got, err)
	}
	if got, err := decodeHashes(encodeHashes(nil)); err != nil || len(got) != 0 {
		t.Errorf("empty shard: %v, %v", got, err)
	}
	// Version 1 (16 bytes of SHA-256) is only in indexes of format 2.
	v1 := append([]byte{1, 1, 'a'}, make([]byte, 16)...)
	for _, bad := range [][]byte{nil, {}, {0}, {3}, v1, {hashesVersion, 5, 'a'}, {hashesVersion, 1, 'a', 1, 2}, b[:len(b)-1]} {
		if _, err := decodeHashes(bad); err != errBadHashes {
			t.Errorf("decodeHashes(%v): %v, want errBadHashes", bad, err)
		}
	}
}

// hashDocs takes an unchanged document's hash from its last call, in
// whatever order the documents come.
func TestHashDocsMemo(t *testing.T) {
	docs := syntheticDocs(50, 20)
	check := func(name string, docs []Document) {
		t.Helper()
		hs := hashDocs(docs)
		if len(hs) != len(docs) {
			t.Fatalf("%s: %d hashes for %d documents", name, len(hs), len(docs))
		}
		for i, d := range docs {
			if hs[i] != hashDoc(d) {
				t.Errorf("%s: %s has a hash not its own", name, d.ID)
			}
		}
	}
	check("first", docs)
	check("again", docs)
	docs[7].Body += " edited"
	check("one edited in place", docs)
	docs = slices.Clone(docs)
	slices.Reverse(docs)
	check("reversed", docs)
	docs = append(docs[:10], docs[11:]...)
	docs[3].Title += " edited"
	check("one fewer and one edited", docs)
	docs[4].ID, docs[5].ID = docs[5].ID, docs[4].ID
	check("two IDs swapped", docs)
	check("none", nil)
}

// Each document's hash is in the shard of its ID, and changing the table
// leaves the original as it was.
func TestHashTable(t *testing.T) {
	docs := syntheticDocs(300, 10)
	hs := hashDocs(docs)
	tab := newHashTable(docs, hs)
	if tab.len() != len(docs) {
		t.Errorf("%d entries, want %d", tab.len(), len(docs))
	}
	for s, m := range tab {
		if len(m) == 0 {
			t.Errorf("shard %d is empty: a poor spread of 300 IDs", s)
		}
		for id := range m {
			if shardOf(id) != s {
				t.Errorf("%s in shard %d, want %d", id, s, shardOf(id))
			}
		}
	}
	before := maps.Clone(tab[shardOf(docs[0].ID)])
	added := Document{ID: "added"}
	touched := shardsOf([]string{docs[0].ID}, []Document{added, docs[1]})
	next := tab.changed(&touched, []string{docs[0].ID}, []Document{added, docs[1]}, []docHash{{7}, {8}})
	if !maps.Equal(tab[shardOf(docs[0].ID)], before) {
		t.Error("changed modified the table it was called on")
	}
	if _, ok := next.get(docs[0].ID); ok {
		t.Error("a deleted document is still in the table")
	}
	if h, _ := next.get("added"); h != (docHash{7}) {
		t.Errorf("added: %x", h)
	}
	if h, _ := next.get(docs[1].ID); h != (docHash{8}) {
		t.Errorf("updated: %x", h)
	}
	if h, _ := next.get(docs[2].ID); h != hs[2] {
		t.Errorf("unchanged: %x, want %x", h, hs[2])
	}
	if next.len() != len(docs) {
		t.Errorf("%d entries after one deleted and one added, want %d", next.len(), len(docs))
	}
	pending := tab.changed(&touched, nil, []Document{docs[1]}, nil)
	if h, _ := pending.get(docs[1].ID); h != (docHash{}) {
		t.Errorf("pending: %x, want zero", h)
	}
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
