// Package routing owns the routing rules: which department, case type and
// priority a new case gets, decided by the first matching rule of a TOML file
// (by inbox, channel, e-loket service code, sender domain and Dutch keywords),
// with a default queue that catches the rest.
//
// It is pure: no I/O besides Load, no clock. It must not import any meldpunt
// package other than internal/caseevent.
package routing

import "strings"

// Case types.
const (
	TypeQuestion  = "vraag"
	TypeReport    = "melding"
	TypeComplaint = "klacht"
)

// Priorities, from lowest to highest.
const (
	PriorityLow    = "laag"
	PriorityNormal = "normaal"
	PriorityHigh   = "hoog"
	PriorityUrgent = "dringend"
)

// DefaultRule is the Result.Rule of a case that no rule matched.
const DefaultRule = "default"

// Types lists every case type.
func Types() []string { return []string{TypeQuestion, TypeReport, TypeComplaint} }

// Priorities lists every priority, from lowest to highest.
func Priorities() []string {
	return []string{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}
}

// Department is a queue a case can be routed to.
type Department struct {
	Code string // stable identifier stored on cases, e.g. "burgerzaken"
	Name string // shown to staff, e.g. "Burgerzaken"
}

// Input is what routing looks at in the first message of a case.
type Input struct {
	Inbox       string // configured inbox name, e.g. "info" or "sociaalhuis"
	Channel     string // caseevent channel: email, facebook, eloket, ...
	ServiceCode string // e-loket service (product) code
	SenderEmail string
	Subject     string
	Text        string
}

// Result is where a case goes.
type Result struct {
	Department string
	Type       string
	Priority   string
	Rule       string // the matching rule's name, or DefaultRule
}

// Rules is a parsed, validated rules file. It is immutable and safe for
// concurrent use.
type Rules struct {
	departments []Department
	fallback    Result
	rules       []rule
}

type rule struct {
	name string

	// Conditions; an empty list is no condition. Values are lower case.
	inboxes       []string
	channels      []string
	serviceCodes  []string
	senderDomains []string
	keywords      []keyword

	// Outcome; empty means "as the default".
	department string
	caseType   string
	priority   string
}

// Departments returns the departments in file order.
func (r *Rules) Departments() []Department {
	return append([]Department(nil), r.departments...)
}

// Default returns the result for a case that no rule matches.
func (r *Rules) Default() Result { return r.fallback }

// Route returns the outcome of the first rule whose conditions all hold, or
// the default queue. Settings a rule leaves out come from the default.
func (r *Rules) Route(in Input) Result {
	var text []string
	tokenised := false
	for i := range r.rules {
		ru := &r.rules[i]
		if !ru.matchesEnvelope(in) {
			continue
		}
		if len(ru.keywords) > 0 {
			if !tokenised {
				// An empty word separates subject and text so that a
				// phrase never spans the two.
				text = append(append(words(in.Subject), ""), words(in.Text)...)
				tokenised = true
			}
			if !containsAny(text, ru.keywords) {
				continue
			}
		}
		res := r.fallback
		res.Rule = ru.name
		if ru.department != "" {
			res.Department = ru.department
		}
		if ru.caseType != "" {
			res.Type = ru.caseType
		}
		if ru.priority != "" {
			res.Priority = ru.priority
		}
		return res
	}
	return r.fallback
}

func (ru *rule) matchesEnvelope(in Input) bool {
	return oneOf(ru.inboxes, in.Inbox) &&
		oneOf(ru.channels, in.Channel) &&
		oneOf(ru.serviceCodes, in.ServiceCode) &&
		domainOneOf(ru.senderDomains, in.SenderEmail)
}

// oneOf reports whether value is in list, ignoring case; an empty list is no
// condition.
func oneOf(list []string, value string) bool {
	if len(list) == 0 {
		return true
	}
	value = strings.ToLower(strings.TrimSpace(value))
	for _, v := range list {
		if v == value {
			return true
		}
	}
	return false
}

// domainOneOf reports whether the domain of address is one of domains or a
// subdomain of one; an empty list is no condition.
func domainOneOf(domains []string, address string) bool {
	if len(domains) == 0 {
		return true
	}
	at := strings.LastIndexByte(address, '@')
	if at < 0 {
		return false
	}
	domain := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(address[at+1:])), ".")
	if domain == "" {
		return false
	}
	for _, d := range domains {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}
