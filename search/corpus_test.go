package search

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// corpusDocs reads the project's generated corpus (secondstory-gencorpus
// -n 10000 -out DIR; SECONDSTORY_CORPUS=DIR) into Documents roughly as
// the generator makes them: the Markdown body as the body text, the
// timeline as "HH:MM actor text" lines, action items as "title · owner ·
// ticket" lines. Benchmarks use it when it is set: it is the text the
// product's own build benchmark indexes.
func corpusDocs(tb testing.TB, dir string) []Document {
	var docs []Document
	err := filepath.WalkDir(filepath.Join(dir, "incidents"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".md") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s, fm := string(b), map[string]any{}
		var body string
		switch {
		case strings.HasPrefix(s, "---\n"):
			head, rest, _ := strings.Cut(s[4:], "\n---\n")
			err, body = yaml.Unmarshal([]byte(head), &fm), rest
		case strings.HasPrefix(s, "+++\n"):
			head, rest, _ := strings.Cut(s[4:], "\n+++\n")
			err, body = toml.Unmarshal([]byte(head), &fm), rest
		default:
			head, rest, _ := strings.Cut(s, "\n}\n")
			err, body = json.Unmarshal([]byte(head+"}"), &fm), rest
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		str := func(v any) string {
			if t, ok := v.(time.Time); ok {
				return t.Format(time.RFC3339)
			}
			if v == nil {
				return ""
			}
			return fmt.Sprint(v)
		}
		list := func(v any) (out []any) {
			switch l := v.(type) {
			case []any:
				return l
			case []map[string]any:
				for _, m := range l {
					out = append(out, m)
				}
			}
			return out
		}
		var strs [3][]string
		for i, k := range []string{"tags", "contributing_factors", "services"} {
			for _, v := range list(fm[k]) {
				strs[i] = append(strs[i], str(v))
			}
		}
		var tl, acts []string
		for _, v := range list(fm["timeline"]) {
			e, _ := v.(map[string]any)
			at := str(e["at"])
			if len(at) >= 16 {
				at = at[11:16]
			}
			tl = append(tl, strings.Join(strings.Fields(at+" "+str(e["actor"])+" "+str(e["text"])), " "))
		}
		for _, v := range list(fm["action_items"]) {
			a, _ := v.(map[string]any)
			acts = append(acts, str(a["title"])+" · "+str(a["owner"])+" · "+str(a["ticket"]))
		}
		date, _ := time.Parse("2006-01-02", str(fm["date"])[:min(10, len(str(fm["date"])))])
		id := strings.TrimSuffix(filepath.Base(p), ".md")
		docs = append(docs, Document{
			ID: id, URL: "incidents/" + id + "/", Title: str(fm["title"]), Summary: str(fm["summary"]), Body: body,
			Timeline: strings.Join(tl, "\n"), Actions: strings.Join(acts, "\n"),
			Tags: strs[0], Factors: strs[1], Services: strs[2], Severity: str(fm["severity"]), Status: "published", Date: date,
		})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return docs
}
