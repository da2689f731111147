// Package deadline owns the answer deadlines of cases: per case type, with
// optional per-department overrides, counted in calendar days or in Belgian
// working days.
//
// It is pure (no clock, no I/O) and must not import any meldpunt package.
package deadline

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Rule says within how many days a case must be acknowledged and answered.
// Zero days means by the end of the day the case was opened.
type Rule struct {
	AckDays     int
	AnswerDays  int
	WorkingDays bool // count Belgian working days instead of calendar days
}

// Policy holds the rule per case type and the per-department overrides. It
// is immutable and safe for concurrent use.
type Policy struct {
	byType       map[string]Rule
	byDepartment map[string]map[string]Rule // department → type → rule
}

// Case types the policy knows; a case of any other type gets the "vraag" rule.
var caseTypes = []string{"vraag", "melding", "klacht"}

const fallbackType = "vraag"

// maxDays bounds configured periods; nothing a town promises is longer.
const maxDays = 366

// DefaultPolicy returns the rules used when nothing is configured, all in
// calendar days:
//
//   - klacht: acknowledged within 10 and answered within 45 days, the terms
//     Flemish towns and cities use in their complaint regulations
//     (klachtenreglement, under Decreet Lokaal Bestuur art. 302-303);
//   - vraag and melding: acknowledged within 5 and answered within 30 days, a
//     common service charter (dienstverleningscharter) promise.
func DefaultPolicy() *Policy {
	return &Policy{
		byType: map[string]Rule{
			"klacht":  {AckDays: 10, AnswerDays: 45},
			"vraag":   {AckDays: 5, AnswerDays: 30},
			"melding": {AckDays: 5, AnswerDays: 30},
		},
		byDepartment: map[string]map[string]Rule{},
	}
}

type rawRule struct {
	AckDays     *int  `toml:"ack_days"`
	AnswerDays  *int  `toml:"answer_days"`
	WorkingDays *bool `toml:"working_days"`
}

type rawPolicy struct {
	Type       map[string]rawRule            `toml:"type"`
	Department map[string]map[string]rawRule `toml:"department"`
}

// ParsePolicy reads a policy in TOML. It starts from DefaultPolicy; every
// setting is optional and overrides only itself:
//
//	[type.melding]
//	answer_days = 10
//	working_days = true
//
//	[department.burgerzaken.vraag]   # only vraag cases of burgerzaken
//	answer_days = 5
//
// A department override starts from the (possibly configured) type rule.
// Errors name the setting, e.g. "type.klacht.answer_days".
func ParsePolicy(data []byte) (*Policy, error) {
	var raw rawPolicy
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, fmt.Errorf("parse deadline policy: %w", err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return nil, fmt.Errorf("deadline policy: unknown setting %s", undecoded[0])
	}
	p := DefaultPolicy()
	for _, typ := range sortedKeys(raw.Type) {
		base, err := ruleFor(typ, "type."+typ)
		if err != nil {
			return nil, err
		}
		r, err := raw.Type[typ].apply(p.byType[base], "type."+typ)
		if err != nil {
			return nil, err
		}
		p.byType[typ] = r
	}
	for _, dept := range sortedKeys(raw.Department) {
		if strings.TrimSpace(dept) == "" {
			return nil, fmt.Errorf("deadline policy: department: empty department code")
		}
		p.byDepartment[dept] = map[string]Rule{}
		for _, typ := range sortedKeys(raw.Department[dept]) {
			name := "department." + dept + "." + typ
			if _, err := ruleFor(typ, name); err != nil {
				return nil, err
			}
			r, err := raw.Department[dept][typ].apply(p.byType[typ], name)
			if err != nil {
				return nil, err
			}
			p.byDepartment[dept][typ] = r
		}
	}
	return p, nil
}

func ruleFor(typ, setting string) (string, error) {
	if !slices.Contains(caseTypes, typ) {
		return "", fmt.Errorf("deadline policy: %s: unknown case type %q (want %s)", setting, typ, strings.Join(caseTypes, ", "))
	}
	return typ, nil
}

func (raw rawRule) apply(r Rule, setting string) (Rule, error) {
	if raw.AckDays != nil {
		r.AckDays = *raw.AckDays
	}
	if raw.AnswerDays != nil {
		r.AnswerDays = *raw.AnswerDays
	}
	if raw.WorkingDays != nil {
		r.WorkingDays = *raw.WorkingDays
	}
	if r.AckDays < 0 || r.AckDays > maxDays {
		return Rule{}, fmt.Errorf("deadline policy: %s.ack_days: %d is not between 0 and %d", setting, r.AckDays, maxDays)
	}
	if r.AnswerDays < 0 || r.AnswerDays > maxDays {
		return Rule{}, fmt.Errorf("deadline policy: %s.answer_days: %d is not between 0 and %d", setting, r.AnswerDays, maxDays)
	}
	if r.AnswerDays < r.AckDays {
		return Rule{}, fmt.Errorf("deadline policy: %s.answer_days: %d is shorter than ack_days %d", setting, r.AnswerDays, r.AckDays)
	}
	return r, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Rule returns the rule for a case: the department's override for its type,
// else the type's rule, else the "vraag" rule for an unknown type.
func (p *Policy) Rule(caseType, department string) Rule {
	if r, ok := p.byDepartment[department][caseType]; ok {
		return r
	}
	if r, ok := p.byType[caseType]; ok {
		return r
	}
	return p.byType[fallbackType]
}

// Departments returns the departments that have overrides, sorted, so that
// the caller can check them against the routing rules.
func (p *Policy) Departments() []string { return sortedKeys(p.byDepartment) }

// Due returns when a case opened at opened must be acknowledged and answered:
// the end (23:59:59) of the day that many calendar or working days after the
// opening day, in loc (Europe/Brussels in practice; nil means opened's own
// location).
func (p *Policy) Due(opened time.Time, caseType, department string, loc *time.Location) (ack, answer time.Time) {
	r := p.Rule(caseType, department)
	return dueAfter(opened, r.AckDays, r.WorkingDays, loc), dueAfter(opened, r.AnswerDays, r.WorkingDays, loc)
}

func dueAfter(opened time.Time, days int, working bool, loc *time.Location) time.Time {
	if working {
		return AddWorkingDays(opened, days, loc)
	}
	if loc == nil {
		loc = opened.Location()
	}
	y, m, d := opened.In(loc).Date()
	return endOfDay(y, m, d+days, loc)
}

// endOfDay normalises the date (day 32 is the next month) and returns its
// last second.
func endOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, loc)
}
