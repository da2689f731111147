package deadline

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	tests := []struct {
		name, caseType string
		want           Rule
	}{
		{"complaint", "klacht", Rule{AckDays: 10, AnswerDays: 45}},
		{"question", "vraag", Rule{AckDays: 5, AnswerDays: 30}},
		{"report", "melding", Rule{AckDays: 5, AnswerDays: 30}},
		{"unknown type is a question", "iets", Rule{AckDays: 5, AnswerDays: 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := p.Rule(tt.caseType, "burgerzaken"); got != tt.want {
				t.Errorf("Rule(%q) = %+v, want %+v", tt.caseType, got, tt.want)
			}
		})
	}
}

func TestDue(t *testing.T) {
	t.Parallel()
	loc := brussels(t)
	policy, err := ParsePolicy([]byte(`
[type.melding]
ack_days = 2
answer_days = 10
working_days = true

[department.burgerzaken.vraag]
answer_days = 5
working_days = true

[department.milieu.melding]
answer_days = 3
`))
	if err != nil {
		t.Fatal(err)
	}
	end := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 0, loc) }
	// Thursday 5 November 2026, 14:00 in Brussels; 11 November is a Wednesday.
	opened := time.Date(2026, time.November, 5, 14, 0, 0, 0, loc)
	tests := []struct {
		name, caseType, department string
		p                          *Policy
		ack, answer                time.Time
	}{
		{"complaint defaults: 10 and 45 calendar days", "klacht", "milieu", DefaultPolicy(), end(2026, time.November, 15), end(2026, time.December, 20)},
		{"question defaults: 5 and 30 calendar days", "vraag", "onthaal", DefaultPolicy(), end(2026, time.November, 10), end(2026, time.December, 5)},
		{"calendar days run through the weekend and holidays", "klacht", "onthaal", policy, end(2026, time.November, 15), end(2026, time.December, 20)},
		{"working days skip weekend and 11 November", "melding", "openbare-werken", policy, end(2026, time.November, 9), end(2026, time.November, 20)},
		{"department override of a type", "vraag", "burgerzaken", policy, end(2026, time.November, 13), end(2026, time.November, 13)},
		{"override inherits the configured type rule", "melding", "milieu", policy, end(2026, time.November, 9), end(2026, time.November, 10)},
		{"other types of an overridden department", "klacht", "burgerzaken", policy, end(2026, time.November, 15), end(2026, time.December, 20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ack, answer := tt.p.Due(opened, tt.caseType, tt.department, loc)
			if !ack.Equal(tt.ack) || !answer.Equal(tt.answer) {
				t.Errorf("Due = %s, %s; want %s, %s", ack, answer, tt.ack, tt.answer)
			}
		})
	}
}

func TestDueAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	loc := brussels(t)
	// Opened just after midnight in Brussels, which is still the previous day in UTC.
	opened := time.Date(2026, time.March, 20, 23, 30, 0, 0, time.UTC)
	ack, answer := DefaultPolicy().Due(opened, "klacht", "", loc)
	if want := time.Date(2026, time.March, 31, 23, 59, 59, 0, loc); !ack.Equal(want) {
		t.Errorf("ack = %s, want %s", ack, want)
	}
	if want := time.Date(2026, time.May, 5, 23, 59, 59, 0, loc); !answer.Equal(want) {
		t.Errorf("answer = %s, want %s", answer, want)
	}
}

func TestParsePolicyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"syntax", "[type.klacht\n", "parse deadline policy"},
		{"unknown type", "[type.klachten]\nack_days = 1\n", "type.klachten: unknown case type"},
		{"unknown department type", "[department.milieu.klachten]\nack_days = 1\n", "department.milieu.klachten: unknown case type"},
		{"negative", "[type.vraag]\nack_days = -1\n", "type.vraag.ack_days"},
		{"too long", "[type.vraag]\nanswer_days = 1000\n", "type.vraag.answer_days"},
		{"answer before ack", "[department.milieu.klacht]\nanswer_days = 5\n", "department.milieu.klacht.answer_days: 5 is shorter than ack_days 10"},
		{"unknown setting", "[type.vraag]\nanwser_days = 3\n", "unknown setting type.vraag.anwser_days"},
		{"wrong type", "[type.vraag]\nworking_days = \"ja\"\n", "parse deadline policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePolicy([]byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParsePolicy error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParsePolicyDepartments(t *testing.T) {
	t.Parallel()
	p, err := ParsePolicy([]byte("[department.milieu.vraag]\nack_days = 1\n[department.burgerzaken.vraag]\nack_days = 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Departments(), ","); got != "burgerzaken,milieu" {
		t.Errorf("Departments = %s", got)
	}
	if got := p.Rule("klacht", "milieu"); got != (Rule{AckDays: 10, AnswerDays: 45}) {
		t.Errorf("complaints keep the default: %+v", got)
	}
}
