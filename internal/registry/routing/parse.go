package routing

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// Error is one problem in a rules file, at a line (counted from 1).
type Error struct {
	Source string
	Line   int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.Source, e.Line, e.Msg) }

// Load reads and parses the rules file at path.
func Load(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read routing rules: %w", err)
	}
	return Parse(data, path)
}

// Parse parses and validates a rules file. Every problem is reported, each as
// an *Error naming source and line; several are joined with errors.Join.
//
// The file has a [default] table (department, and optionally type and
// priority), a [[department]] table per department (code, name) and a
// [[rule]] table per rule, tried in file order. A rule has a name, at least
// one condition (inbox, channel, service_code, sender_domain, keywords: each
// a list whose entries are alternatives; the conditions must all hold) and at
// least one of department, type and priority.
func Parse(data []byte, source string) (*Rules, error) {
	var doc map[string]any
	if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, &Error{Source: source, Line: max(perr.Position.Line, 1), Msg: perr.Message}
		}
		return nil, &Error{Source: source, Line: 1, Msg: err.Error()}
	}
	c := checker{}
	rules := c.rules(doc)
	if len(c.problems) > 0 {
		return nil, c.errors(data, source)
	}
	return rules, nil
}

// path names a value in the decoded document: table keys (string) and array
// indexes (int).
type path []any

type problem struct {
	at  path
	msg string
}

type checker struct {
	problems []problem
}

func (c *checker) addf(at path, format string, args ...any) {
	c.problems = append(c.problems, problem{at: slices.Clone(at), msg: fmt.Sprintf(format, args...)})
}

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func (c *checker) rules(doc map[string]any) *Rules {
	for _, k := range sortedKeys(doc) {
		if k != "default" && k != "department" && k != "rule" {
			c.addf(path{k}, "unknown setting %q (want default, department or rule)", k)
		}
	}
	r := &Rules{}
	known := map[string]bool{}
	deps, _ := c.tables(path{"department"}, doc["department"])
	for i, t := range deps {
		at := path{"department", i}
		c.onlyKeys(at, t, "code", "name")
		code, okCode := c.str(append(at, "code"), t["code"], true)
		name, _ := c.str(append(at, "name"), t["name"], true)
		if !okCode {
			continue
		}
		if !codePattern.MatchString(code) {
			c.addf(append(at, "code"), "department code %q: use lower-case letters, digits, - and _", code)
			continue
		}
		if known[code] {
			c.addf(append(at, "code"), "department %q is defined twice", code)
			continue
		}
		known[code] = true
		r.departments = append(r.departments, Department{Code: code, Name: name})
	}

	r.fallback = Result{Type: TypeQuestion, Priority: PriorityNormal, Rule: DefaultRule}
	if def, ok := doc["default"].(map[string]any); !ok {
		if doc["default"] == nil {
			c.addf(nil, "no [default] table: name the department that catches what no rule routes")
		} else {
			c.addf(path{"default"}, "default must be a table")
		}
	} else {
		at := path{"default"}
		c.onlyKeys(at, def, "department", "type", "priority")
		if d, ok := c.str(append(at, "department"), def["department"], true); ok {
			if c.oneOf(append(at, "department"), d, "department", known, nil) {
				r.fallback.Department = d
			}
		}
		if v, ok := c.str(append(at, "type"), def["type"], false); ok && v != "" {
			if c.oneOf(append(at, "type"), v, "type", nil, Types()) {
				r.fallback.Type = v
			}
		}
		if v, ok := c.str(append(at, "priority"), def["priority"], false); ok && v != "" {
			if c.oneOf(append(at, "priority"), v, "priority", nil, Priorities()) {
				r.fallback.Priority = v
			}
		}
	}

	names := map[string]bool{}
	tables, _ := c.tables(path{"rule"}, doc["rule"])
	for i, t := range tables {
		ru := c.rule(path{"rule", i}, t, known)
		if ru.name != "" {
			if names[ru.name] {
				c.addf(path{"rule", i, "name"}, "rule %q is defined twice", ru.name)
			}
			names[ru.name] = true
		}
		r.rules = append(r.rules, ru)
	}
	return r
}

var channels = func() []string {
	var out []string
	for _, ch := range caseevent.Channels() {
		out = append(out, string(ch))
	}
	return out
}()

func (c *checker) rule(at path, t map[string]any, departments map[string]bool) rule {
	c.onlyKeys(at, t, "name", "inbox", "channel", "service_code", "sender_domain", "keywords",
		"department", "type", "priority")
	var ru rule
	if name, ok := c.str(append(at, "name"), t["name"], true); ok {
		if name == DefaultRule {
			c.addf(append(at, "name"), "%q is reserved for the default queue", DefaultRule)
		}
		ru.name = name
	}

	conditions := 0
	list := func(key string, check func(at path, v string) (string, bool)) []string {
		if t[key] == nil {
			return nil
		}
		conditions++
		raw, ok := c.strList(append(at, key), t[key])
		if !ok {
			return nil
		}
		var out []string
		for j, v := range raw {
			if v, ok := check(append(at, key, j), v); ok {
				out = append(out, v)
			}
		}
		return out
	}
	name := func(what string) func(path, string) (string, bool) {
		return func(at path, v string) (string, bool) {
			v = strings.ToLower(strings.TrimSpace(v))
			if v == "" || strings.ContainsAny(v, " \t@") {
				c.addf(at, "bad %s %q", what, v)
				return "", false
			}
			return v, true
		}
	}
	ru.inboxes = list("inbox", name("inbox"))
	ru.serviceCodes = list("service_code", name("service code"))
	ru.channels = list("channel", func(at path, v string) (string, bool) {
		v = strings.ToLower(strings.TrimSpace(v))
		return v, c.oneOf(at, v, "channel", nil, channels)
	})
	ru.senderDomains = list("sender_domain", func(at path, v string) (string, bool) {
		v = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(v)), ".")
		if v == "" || strings.ContainsAny(v, " \t@*") || strings.HasPrefix(v, ".") || !strings.Contains(v, ".") {
			c.addf(at, "bad sender domain %q: write the domain only, e.g. \"leverancier.be\"", v)
			return "", false
		}
		return v, true
	})
	for j, v := range list("keywords", func(_ path, v string) (string, bool) { return v, true }) {
		k, ok := parseKeyword(v)
		if !ok {
			c.addf(append(at, "keywords", j), "bad keyword %q: use words, optionally ending in *", v)
			continue
		}
		ru.keywords = append(ru.keywords, k)
	}
	if conditions == 0 {
		c.addf(at, "rule %q has no condition (inbox, channel, service_code, sender_domain or keywords); the [default] table catches the rest", ru.name)
	}

	if v, ok := c.str(append(at, "department"), t["department"], false); ok && v != "" {
		if c.oneOf(append(at, "department"), v, "department", departments, nil) {
			ru.department = v
		}
	}
	if v, ok := c.str(append(at, "type"), t["type"], false); ok && v != "" {
		if c.oneOf(append(at, "type"), v, "type", nil, Types()) {
			ru.caseType = v
		}
	}
	if v, ok := c.str(append(at, "priority"), t["priority"], false); ok && v != "" {
		if c.oneOf(append(at, "priority"), v, "priority", nil, Priorities()) {
			ru.priority = v
		}
	}
	if t["department"] == nil && t["type"] == nil && t["priority"] == nil {
		c.addf(at, "rule %q sets none of department, type and priority", ru.name)
	}
	return ru
}

// oneOf checks v against a set or a list of allowed values.
func (c *checker) oneOf(at path, v, what string, set map[string]bool, list []string) bool {
	if set != nil && set[v] || list != nil && slices.Contains(list, v) {
		return true
	}
	if set != nil {
		c.addf(at, "unknown %s %q (not a [[department]] code)", what, v)
	} else {
		c.addf(at, "unknown %s %q (want %s)", what, v, strings.Join(list, ", "))
	}
	return false
}

func (c *checker) onlyKeys(at path, t map[string]any, allowed ...string) {
	for _, k := range sortedKeys(t) {
		if !slices.Contains(allowed, k) {
			c.addf(append(at, k), "unknown setting %q (want %s)", k, strings.Join(allowed, ", "))
		}
	}
}

func (c *checker) str(at path, v any, required bool) (string, bool) {
	switch v := v.(type) {
	case nil:
		if required {
			c.addf(at[:len(at)-1], "%s is missing", at[len(at)-1])
		}
		return "", false
	case string:
		if strings.TrimSpace(v) == "" {
			c.addf(at, "%s is empty; leave it out or give a value", at[len(at)-1])
			return "", false
		}
		return strings.TrimSpace(v), true
	default:
		c.addf(at, "%s must be a string", at[len(at)-1])
		return "", false
	}
}

// strList returns nil, true when the key is absent.
func (c *checker) strList(at path, v any) ([]string, bool) {
	if v == nil {
		return nil, true
	}
	items, ok := v.([]any)
	if !ok {
		c.addf(at, "%s must be a list of strings, e.g. [\"a\", \"b\"]", at[len(at)-1])
		return nil, false
	}
	if len(items) == 0 {
		c.addf(at, "%s is an empty list, which never matches; leave it out instead", at[len(at)-1])
		return nil, false
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			c.addf(at, "%s must be a list of strings", at[len(at)-1])
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// tables accepts both [[name]] sections and an inline array of tables.
func (c *checker) tables(at path, v any) ([]map[string]any, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case []map[string]any:
		return v, true
	case []any:
		out := make([]map[string]any, 0, len(v))
		for _, it := range v {
			t, ok := it.(map[string]any)
			if !ok {
				c.addf(at, "%s must be an array of tables ([[%s]])", at[0], at[0])
				return nil, false
			}
			out = append(out, t)
		}
		return out, true
	}
	c.addf(at, "%s must be an array of tables ([[%s]])", at[0], at[0])
	return nil, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// errors turns the problems into *Error values ordered by line.
func (c *checker) errors(data []byte, source string) error {
	paths := make([]path, len(c.problems))
	for i, p := range c.problems {
		paths[i] = p.at
	}
	lines := locate(data, paths)
	errs := make([]*Error, len(c.problems))
	for i, p := range c.problems {
		errs[i] = &Error{Source: source, Line: lines[i], Msg: p.msg}
	}
	slices.SortStableFunc(errs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	if len(errs) == 1 {
		return errs[0]
	}
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return errors.Join(joined...)
}

// locate finds the line on which each path is first defined: the first line
// whose prefix of the file is valid TOML that defines it. The TOML decoder
// keeps no per-element positions for arrays of tables, so this is the reliable
// way to point at the third [[rule]]. A path that is never found (or empty)
// gets line 1. Only called for a file that is being refused.
func locate(data []byte, paths []path) []int {
	lines := make([]int, len(paths))
	for i, p := range paths {
		if len(p) == 0 {
			lines[i] = 1
		}
	}
	// Parsing every prefix is quadratic, so first parse only from lines that
	// name a key being looked for (a value is defined at or after the line
	// naming its key); then, for whatever escaped (escaped key names), every
	// prefix.
	scan(data, paths, lines, true)
	scan(data, paths, lines, false)
	for i := range lines {
		if lines[i] == 0 {
			lines[i] = 1
		}
	}
	return lines
}

func scan(data []byte, paths []path, lines []int, onlyNamed bool) {
	left := 0
	for i := range paths {
		if lines[i] == 0 {
			left++
		}
	}
	pending := !onlyNamed
	line := 0
	for end := 0; left > 0 && end < len(data); {
		start := end
		if next := bytes.IndexByte(data[end:], '\n'); next < 0 {
			end = len(data)
		} else {
			end += next + 1
		}
		line++
		if !pending {
			for i, p := range paths {
				if lines[i] == 0 && bytes.Contains(data[start:end], []byte(lastKey(p))) {
					pending = true
					break
				}
			}
			if !pending {
				continue
			}
		}
		var doc map[string]any
		if _, err := toml.NewDecoder(bytes.NewReader(data[:end])).Decode(&doc); err != nil {
			continue
		}
		pending = !onlyNamed
		for i, p := range paths {
			if lines[i] == 0 && defines(doc, p) {
				lines[i] = line
				left--
			}
		}
	}
}

func lastKey(p path) string {
	for i := len(p) - 1; i >= 0; i-- {
		if k, ok := p[i].(string); ok {
			return k
		}
	}
	return ""
}

func defines(v any, p path) bool {
	for _, step := range p {
		switch step := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			if v, ok = m[step]; !ok {
				return false
			}
		case int:
			switch list := v.(type) {
			case []map[string]any:
				if step >= len(list) {
					return false
				}
				v = list[step]
			case []any:
				if step >= len(list) {
					return false
				}
				v = list[step]
			default:
				return false
			}
		}
	}
	return true
}
