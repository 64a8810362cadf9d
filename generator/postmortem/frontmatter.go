package postmortem

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/adrg/frontmatter"
	"github.com/secondstory/secondstory/generator/diag"
	"gopkg.in/yaml.v3"
)

// Bounds on a frontmatter block, so a hostile file cannot make the YAML parser's work explode: yaml.v3 saves its
// state per nesting level, and 10,000 levels in a 28 KB file took 1.16 GB and 4 s.
const (
	maxFrontMatter = 1 << 20
	maxNesting     = 64
)

// frontMatter is a file's frontmatter as a positioned YAML node tree, whatever its format: YAML and JSON parse to
// it directly, TOML is converted. Keeping positions is what lets every schema error name its line.
type frontMatter struct {
	root      *yaml.Node // a mapping node; nil when the file has no frontmatter
	body      []byte
	bodyLine  int // the file line on which body starts
	startLine int // the line of the opening delimiter
}

// rawBlock receives the frontmatter bytes from adrg/frontmatter; decoding is ours, so that errors keep positions.
type rawBlock struct {
	format string
	data   []byte
}

func capture(format string) frontmatter.UnmarshalFunc {
	return func(data []byte, v any) error {
		rb := v.(*rawBlock)
		rb.format = format
		rb.data = append([]byte(nil), data...)
		return nil
	}
}

var formats = []*frontmatter.Format{
	frontmatter.NewFormat("---", "---", capture("yaml")),
	frontmatter.NewFormat("---yaml", "---", capture("yaml")),
	frontmatter.NewFormat("+++", "+++", capture("toml")),
	frontmatter.NewFormat("---toml", "---", capture("toml")),
	frontmatter.NewFormat(";;;", ";;;", capture("json")),
	frontmatter.NewFormat("---json", "---", capture("json")),
	{Start: "{", End: "}", Unmarshal: capture("json"), UnmarshalDelims: true, RequiresNewLine: true},
}

var closingDelimiter = map[string]string{
	"---": "---", "---yaml": "---", "---toml": "---", "---json": "---", "+++": "+++", ";;;": ";;;",
	"{": "} followed by an empty line",
}

// parseFrontMatter splits src into frontmatter and body and decodes the frontmatter. Errors are positioned in
// file lines (adrg/frontmatter and the decoders count from the block's first line; the offset is added here).
func parseFrontMatter(path string, src []byte, diags *diag.List) *frontMatter {
	var rb rawBlock
	body, err := frontmatter.Parse(bytes.NewReader(src), &rb, formats...)
	if err != nil {
		diags.Errorf(path, 1, 0, "frontmatter", "%v", err)
		return nil
	}
	if n := len(src) - len(body); n >= 0 && bytes.Equal(src[n:], body) {
		body = src[n:] // the body as a slice of src: the parser's buffer, up to twice the file, is not kept
	}
	fm := &frontMatter{body: body}
	fm.bodyLine = 1 + bytes.Count(src[:len(src)-len(body)], []byte("\n"))

	openLine, opener := firstNonBlankLine(src)
	if rb.format == "" {
		// adrg/frontmatter treats an unclosed block as body: catch it, or the file silently loses its metadata.
		if end, ok := closingDelimiter[opener]; ok && opener != "{" {
			diags.Errorf(path, openLine, 1, "frontmatter", "frontmatter opened with %q is never closed (expected a line %s)", opener, end)
			return nil
		}
		return fm
	}
	fm.startLine = openLine
	dataLine := openLine + 1
	if opener == "{" {
		dataLine = openLine // the braces are part of the data
	}
	if len(rb.data) > maxFrontMatter {
		diags.Errorf(path, openLine, 1, "frontmatter", "frontmatter is %d KB; the limit is %d KB", len(rb.data)>>10, maxFrontMatter>>10)
		return nil
	}
	if line, depth := nesting(rb.data); depth > maxNesting {
		diags.Errorf(path, dataLine+line-1, 0, "frontmatter", "nested %d levels deep; the limit is %d", depth, maxNesting)
		return nil
	}
	switch rb.format {
	case "yaml":
		fm.root = decodeYAML(path, rb.data, dataLine, diags)
	case "json":
		fm.root = decodeJSON(path, rb.data, dataLine, diags)
	case "toml":
		fm.root = decodeTOML(path, rb.data, dataLine, diags)
	}
	if fm.root == nil {
		return nil
	}
	return fm
}

// nesting estimates the deepest nesting of a YAML, JSON or TOML block without parsing it: flow brackets, and on
// each line the compact "- - -" sequence indicators and the levels of indentation open. It returns the (1-based) line where the
// deepest point is. Quoted text does not count.
func nesting(data []byte) (line, depth int) {
	n := nestScan{ln: 1, atLineStart: true}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n': // multi-line quoted scalars are legal: a quote stays open
			n.ln++
			n.atLineStart, n.indent, n.dashes = true, 0, 0
		case n.inQuote != 0:
			if c == '\\' && n.inQuote == '"' {
				i++
			} else if c == n.inQuote {
				n.inQuote = 0
			}
		case n.atLineStart && c == ' ':
			n.indent++
		case n.atLineStart && isDash(data[i:]):
			n.dashes++
			n.indent++
			n.noteInline()
		default:
			n.char(c)
		}
	}
	n.noteInline()
	return n.line, n.depth
}

// isDash is whether b opens with a sequence indicator: a dash before a space or the line's end.
func isDash(b []byte) bool { return len(b) > 1 && b[0] == '-' && (b[1] == ' ' || b[1] == '\n') }

// nestScan is nesting's state.
type nestScan struct {
	line, depth    int // the deepest point so far
	ln, flow       int // the current line; the flow brackets open
	indent, dashes int // the current line's indentation and "- " sequence indicators so far
	atLineStart    bool
	inQuote        byte
	levels         []int // the indentations of the block levels open
}

func (n *nestScan) note(d int) {
	if d > n.depth {
		n.depth, n.line = d, n.ln
	}
}

// noteInline notes the depth of the current line's indentation, sequence indicators and flow brackets.
func (n *nestScan) noteInline() { n.note(n.indent/2 + n.dashes + n.flow) }

// char reads a character past a line's indentation, outside quotes.
func (n *nestScan) char(c byte) {
	if n.atLineStart && n.flow == 0 && c != '#' {
		// Block nesting: the indentations of the levels open on this line, whatever their width (a level
		// a space deeper is a level too).
		for len(n.levels) > 0 && n.levels[len(n.levels)-1] >= n.indent {
			n.levels = n.levels[:len(n.levels)-1]
		}
		n.levels = append(n.levels, n.indent)
		n.note(len(n.levels) - 1 + n.dashes)
	}
	n.atLineStart = false
	switch c {
	case '"', '\'':
		n.inQuote = c
	case '[', '{':
		n.flow++
		n.noteInline()
	case ']', '}':
		n.flow = max(0, n.flow-1)
	}
}

func firstNonBlankLine(src []byte) (int, string) {
	line := 1
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		var l []byte
		if i < 0 {
			l, src = src, nil
		} else {
			l, src = src[:i], src[i+1:]
		}
		if t := strings.TrimSpace(string(l)); t != "" {
			return line, t
		}
		line++
	}
	return line, ""
}

// yamlForbidden are the characters YAML does not allow in a stream: C0 controls but tab, line feed and carriage
// return, DEL, and the C1 controls but NEL.
func yamlForbidden(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r >= 0x80 && r < 0xa0 && r != 0x85
}

var (
	yamlErrLine       = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlParserProblem = regexp.MustCompile(`^did not find expected (key|node content|'-' indicator|',' or|<document start>)`)
)

func decodeYAML(path string, data []byte, dataLine int, diags *diag.List) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		for _, msg := range yamlMessages(err) {
			line, text := dataLine, strings.TrimPrefix(msg, "yaml: ")
			if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
				n, _ := strconv.Atoi(m[1])
				// yaml.v3 reports parser errors with the 0-based line of the enclosing construct, scanner errors
				// 1-based; the parser's problems are the "did not find expected …" family.
				if yamlParserProblem.MatchString(m[2]) {
					n++
				}
				line, text = dataLine+n-1, m[2]
			} else if i := bytes.IndexFunc(data, yamlForbidden); i >= 0 && strings.Contains(msg, "control characters") {
				// The scanner names no line for a NUL or another control character: find it.
				line = dataLine + bytes.Count(data[:i], []byte("\n"))
			}
			diags.Errorf(path, line, 0, "frontmatter", "invalid YAML: %s", text)
		}
		return nil
	}
	shiftLines(&doc, dataLine-1)
	return mappingRoot(path, &doc, dataLine, diags)
}

func decodeJSON(path string, data []byte, dataLine int, diags *diag.List) *yaml.Node {
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		line, col := dataLine, 0
		var se *json.SyntaxError
		if errors.As(err, &se) {
			before := data[:min(int(se.Offset), len(data))]
			line = dataLine + bytes.Count(before, []byte("\n"))
			col = len(before) - bytes.LastIndexByte(before, '\n') - 1 // Offset counts the offending byte
		}
		diags.Errorf(path, line, col, "frontmatter", "invalid JSON: %v", err)
		return nil
	}
	// JSON is YAML 1.2; yaml.v3 gives the same positioned tree as for YAML.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		diags.Errorf(path, dataLine, 0, "frontmatter", "invalid JSON: %v", err)
		return nil
	}
	shiftLines(&doc, dataLine-1)
	return mappingRoot(path, &doc, dataLine, diags)
}

func mappingRoot(path string, doc *yaml.Node, dataLine int, diags *diag.List) *yaml.Node {
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Line: dataLine}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		diags.Errorf(path, root.Line, root.Column, "frontmatter", "frontmatter must be a mapping of fields, got %s", kindName(root))
		return nil
	}
	return root
}

func shiftLines(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shiftLines(c, by)
	}
}

func decodeTOML(path string, data []byte, dataLine int, diags *diag.List) *yaml.Node {
	var m map[string]any
	md, err := toml.Decode(string(data), &m)
	if err != nil {
		line := dataLine
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line = dataLine + pe.Position.Line - 1
			diags.Errorf(path, line, pe.Position.Col, "frontmatter", "invalid TOML: %s", pe.Message)
		} else {
			diags.Errorf(path, line, 0, "frontmatter", "invalid TOML: %v", err)
		}
		return nil
	}
	lines := tomlKeyLines(data, dataLine)
	root := &yaml.Node{Kind: yaml.MappingNode, Line: dataLine}
	// Keep the document's key order: errors then come out in file order.
	var keys []string
	seen := map[string]bool{}
	for _, k := range md.Keys() {
		if len(k) > 0 && !seen[k[0]] {
			seen[k[0]] = true
			keys = append(keys, k[0])
		}
	}
	for _, k := range keys {
		ls := lines[k]
		line := dataLine
		if len(ls) > 0 {
			line = ls[0]
		}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Line: line, Column: 1},
			tomlNode(m[k], line, ls))
	}
	return root
}

var tomlKeyRE = regexp.MustCompile(`^\s*(?:\[\[\s*([A-Za-z0-9_-]+)\s*\]\]|\[\s*([A-Za-z0-9_-]+)\s*\]|"?([A-Za-z0-9_-]+)"?\s*=)`)

// tomlKeyLines maps each top-level key to the lines where it is set; an array of tables has one line per entry.
func tomlKeyLines(data []byte, dataLine int) map[string][]int {
	out := map[string][]int{}
	inTable := false
	for i, l := range strings.Split(string(data), "\n") {
		m := tomlKeyRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		switch {
		case m[1] != "":
			out[m[1]] = append(out[m[1]], dataLine+i)
			inTable = true
		case m[2] != "":
			out[m[2]] = append(out[m[2]], dataLine+i)
			inTable = true
		case !inTable:
			out[m[3]] = append(out[m[3]], dataLine+i)
		}
	}
	return out
}

func tomlNode(v any, line int, entryLines []int) *yaml.Node {
	switch v := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Line: line}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Line: line}, tomlNode(v[k], line, nil))
		}
		return n
	case []map[string]any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Line: line}
		for i, e := range v {
			l := line
			if i < len(entryLines) {
				l = entryLines[i]
			}
			n.Content = append(n.Content, tomlNode(e, l, nil))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Line: line}
		for i, e := range v {
			l := line
			if len(entryLines) > 1 && i < len(entryLines) {
				l = entryLines[i]
			}
			n.Content = append(n.Content, tomlNode(e, l, nil))
		}
		return n
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: line}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v), Line: line}
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v, 10), Line: line}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(v, 'g', -1, 64), Line: line}
	case time.Time:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: tomlTime(v), Line: line}
	default:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v), Line: line}
	}
}

// tomlTime writes a TOML date-time back in the textual forms the timestamp parser accepts; TOML's local dates
// and times carry a marker location that says which fields are meaningful.
func tomlTime(t time.Time) string {
	switch t.Location().String() {
	case "date-local":
		return t.Format("2006-01-02")
	case "datetime-local":
		return t.Format("2006-01-02T15:04:05")
	case "time-local":
		return t.Format("15:04")
	}
	return t.Format(time.RFC3339)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			return "a number (" + n.Value + ")"
		case "!!bool":
			return "a boolean (" + n.Value + ")"
		case "!!null":
			return "null"
		}
		return fmt.Sprintf("a string (%q)", n.Value)
	}
	return "nothing"
}

// yamlMessages splits a yaml.v3 error into its individual messages (a TypeError carries several).
func yamlMessages(err error) []string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return te.Errors
	}
	return []string{err.Error()}
}
