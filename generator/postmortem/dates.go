package postmortem

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The dates people write in postmortem titles, file names and bodies, in the forms the collections teams keep in
// git use: ISO (2019-04-11, 2019_04_11, 2019.04.11, 2019/04/11), day-month-year (14-02-2024, 14.02.2024,
// 14/02/2024; month-day-year only when the day cannot be a month: 04/25/2024), "Month D, YYYY" and "D. Month YYYY"
// with English or German month names, full or short, and in file names a leading YYYYMMDD.

// found is a date found in a text: the day, where it is ([start, end) in bytes), and a note on how an ambiguous
// one was read.
type found struct {
	day        time.Time
	start, end int
	note       string
}

var (
	isoRE     = regexp.MustCompile(`(?:^|[^0-9])((19|20)\d\d)([-_./])(\d\d)([-_./])(\d\d)(?:[^0-9]|$)`)
	dmyRE     = regexp.MustCompile(`(?:^|[^0-9.\-/])(\d{1,2})([-./])(\d{1,2})([-./])((19|20)\d\d)(?:[^0-9]|$)`)
	compactRE = regexp.MustCompile(`^((19|20)\d\d)(\d\d)(\d\d)(?:[-_ .]|$)`)
	monthName = `(january|february|march|april|may|june|july|august|september|october|november|december|` +
		`januar|jänner|februar|märz|maerz|mai|juni|juli|oktober|dezember|` +
		`jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|okt|nov|dec|dez)\.?`
	mdyRE = regexp.MustCompile(`(?i)(?:^|[^\pL])` + monthName + `\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)(?:[^0-9]|$)`)
	dmRE  = regexp.MustCompile(`(?i)(?:^|[^\pL\d])(\d{1,2})(?:st|nd|rd|th|\.)?\s+(?:of\s+)?` + monthName + `,?\s+((?:19|20)\d\d)(?:[^0-9]|$)`)
	// folderRE finds a YYYY/MM/ folder in a path, which says how an ambiguous day-month-year date in it reads.
	folderRE = regexp.MustCompile(`(?:^|/)((?:19|20)\d\d)/(\d\d)/`)
)

var months = map[string]time.Month{
	"jan": 1, "january": 1, "januar": 1, "jänner": 1,
	"feb": 2, "february": 2, "februar": 2,
	"mar": 3, "march": 3, "märz": 3, "maerz": 3,
	"apr": 4, "april": 4,
	"may": 5, "mai": 5,
	"jun": 6, "june": 6, "juni": 6,
	"jul": 7, "july": 7, "juli": 7,
	"aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9,
	"oct": 10, "okt": 10, "october": 10, "oktober": 10,
	"nov": 11, "november": 11,
	"dec": 12, "dez": 12, "december": 12, "dezember": 12,
}

// day returns the calendar day, or false when it does not exist (2023-02-30) or is implausible for an incident.
func day(y, m, d int) (time.Time, bool) {
	if y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// findDates returns every date in s, in the order they appear. folder is the YYYY/MM of the file's folder (zero
// when it has none): a day-month-year date whose day could be a month is read the way that matches the folder.
func findDates(s string, folder time.Time) []found {
	var out []found
	for _, form := range dateForms {
		for _, m := range form.re.FindAllStringSubmatchIndex(s, -1) {
			if f, ok := form.read(s, m, folder); ok && !overlaps(out, f) {
				out = append(out, f)
			}
		}
	}
	sortFound(out)
	return out
}

// dateForms are the forms findDates reads, each with how a match becomes a date, in the order that decides which
// reading of the same characters wins (an ISO date is not also a D-M-Y one).
var dateForms = []struct {
	re   *regexp.Regexp
	read func(s string, m []int, folder time.Time) (found, bool)
}{{isoRE, readISO}, {mdyRE, readMonthDay}, {dmRE, readDayMonth}, {dmyRE, readDMY}}

func overlaps(l []found, f found) bool {
	return slices.ContainsFunc(l, func(o found) bool { return f.start < o.end && o.start < f.end })
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func readISO(s string, m []int, _ time.Time) (found, bool) {
	if s[m[6]:m[7]] != s[m[10]:m[11]] {
		return found{}, false // 2019-04.11: mixed separators are a version, not a date
	}
	t, ok := day(atoi(s[m[2]:m[3]]), atoi(s[m[8]:m[9]]), atoi(s[m[12]:m[13]]))
	return found{day: t, start: m[2], end: m[13]}, ok
}

// readMonthDay reads "Month D, YYYY" ("March 3rd, 2024").
func readMonthDay(s string, m []int, _ time.Time) (found, bool) {
	t, ok := day(atoi(s[m[6]:m[7]]), int(months[strings.ToLower(s[m[2]:m[3]])]), atoi(s[m[4]:m[5]]))
	return found{day: t, start: m[2], end: m[7]}, ok
}

// readDayMonth reads "D Month YYYY" ("3rd of March 2024", "3. März 2024").
func readDayMonth(s string, m []int, _ time.Time) (found, bool) {
	t, ok := day(atoi(s[m[6]:m[7]]), int(months[strings.ToLower(s[m[4]:m[5]])]), atoi(s[m[2]:m[3]]))
	return found{day: t, start: m[2], end: m[7]}, ok
}

// readDMY reads D-M-Y, or M-D-Y when the day cannot be a month.
func readDMY(s string, m []int, folder time.Time) (found, bool) {
	if s[m[4]:m[5]] != s[m[8]:m[9]] {
		return found{}, false
	}
	a, b, y := atoi(s[m[2]:m[3]]), atoi(s[m[6]:m[7]]), atoi(s[m[10]:m[11]])
	dmy, okDMY := day(y, b, a)
	mdy, okMDY := day(y, a, b)
	f := found{start: m[2], end: m[11]}
	switch {
	case okDMY && okMDY && a != b:
		f.day, f.note = ambiguous(dmy, mdy, folder)
	case okDMY:
		f.day = dmy
	case okMDY:
		f.day = mdy
	default:
		return f, false
	}
	return f, true
}

// ambiguous reads a date both ways of which exist: the folder decides, else day-month-year, the order of most of
// the world.
func ambiguous(dmy, mdy, folder time.Time) (time.Time, string) {
	switch {
	case !folder.IsZero() && mdy.Year() == folder.Year() && mdy.Month() == folder.Month() && dmy.Month() != folder.Month():
		return mdy, "read as month-day-year, as the folder " + folder.Format("2006/01") + " says"
	case !folder.IsZero() && dmy.Month() == folder.Month():
		return dmy, "read as day-month-year, as the folder " + folder.Format("2006/01") + " says"
	}
	return dmy, "read as day-month-year"
}

func sortFound(l []found) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].start < l[j-1].start; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

// fileDate finds the date in a file name (without its extension): a leading YYYYMMDD, or any date form.
func fileDate(name string, folder time.Time) (found, bool) {
	if m := compactRE.FindStringSubmatchIndex(name); m != nil {
		if t, ok := day(atoi(name[m[2]:m[3]]), atoi(name[m[6]:m[7]]), atoi(name[m[8]:m[9]])); ok {
			return found{day: t, start: m[2], end: m[9]}, true
		}
	}
	if l := findDates(name, folder); len(l) > 0 {
		return l[0], true
	}
	return found{}, false
}

// folderMonth is the YYYY/MM of the deepest such pair of folders in rel, or the zero time.
func folderMonth(rel string) time.Time {
	var out time.Time
	for _, m := range folderRE.FindAllStringSubmatch(rel, -1) {
		if t, ok := day(atoi(m[1]), atoi(m[2]), 1); ok {
			out = t
		}
	}
	return out
}

// genericLead are the words a title may carry before its date that say nothing of the incident ("Incident report
// March 3 2025 - Portal outage"): they go with the date.
var genericLead = map[string]bool{"": true, "incident": true, "incident report": true, "postmortem": true,
	"post-mortem": true, "post mortem": true, "retrospective": true, "retro": true, "rca": true, "report": true,
	"outage": true, "incident review": true, "review": true, "pir": true, "post-incident review": true}

// separators join a date to the rest of a title.
const separators = " \t-–—:|,;/·"

// brackets may enclose a date in a title.
const brackets = "()[]{}"

// stripDate takes a date that opens or closes a title off it: "2019-04-11 - Checkout unavailable",
// "Payments API outage - October 2, 2024", "Retrospective: provider incident 2021-06-08". It returns the title
// unchanged when the date is in the middle of the text, or when nothing would be left.
func stripDate(title string, f found) string {
	before, after := title[:f.start], title[f.end:]
	lead := strings.ToLower(strings.Trim(before, separators+brackets))
	var out string
	switch {
	case genericLead[lead]:
		out = after
	case strings.Trim(after, separators+"."+brackets) == "":
		out = before
	default:
		return title
	}
	// The brackets the date was in go with it ("[2021-06-01] CDN purge", "API latency (2022-08-09)").
	out = strings.TrimLeft(strings.TrimRight(out, separators+"([{"), separators+")]}")
	if strings.HasPrefix(out, "(") && strings.HasSuffix(out, ")") && strings.Count(out, "(") == 1 { // "(Checkout down)"
		out = out[1 : len(out)-1]
	}
	out = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(out), " on"))
	if !strings.ContainsFunc(out, isLetterOrDigit) {
		return title
	}
	return out
}

// titleFromName makes a title from a file name: its date taken off, dashes and underscores as spaces when the name
// has no spaces of its own ("2019-04-11-checkout-unavailable" is "Checkout unavailable"; "PM2022-014 - Queue
// consumer stall" stays as it is), the first letter of an all-lower-case name in upper case.
func titleFromName(name string, f found, hasDate bool) string {
	if hasDate {
		if s := stripDate(name, f); s != name {
			name = s
		}
	}
	if !strings.Contains(name, " ") {
		name = strings.Join(strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' }), " ")
	}
	name = strings.Join(strings.Fields(name), " ")
	if name == strings.ToLower(name) && name != "" {
		r := []rune(name)
		r[0] = []rune(strings.ToUpper(string(r[0])))[0]
		name = string(r)
	}
	return name
}
