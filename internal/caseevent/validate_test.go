package caseevent

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidationErrorMessage(t *testing.T) {
	t.Parallel()
	e := minimalEvent()
	e.ID = ""
	e.Data.Channel = "sms"
	err := e.Validate()
	want := "invalid case event: data.channel: must be one of email, facebook, eloket, counter, phone, letter; id: must not be empty"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestValidateEveryProblemOnce(t *testing.T) {
	t.Parallel()
	var verr *ValidationError
	if err := (Event{}).Validate(); !errors.As(err, &verr) {
		t.Fatalf("got %v", err)
	}
	want := []string{
		"data.channel", "data.direction", "data.domain", "data.external_id", "data.inbox",
		"id", "source", "specversion", "time", "type",
	}
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.Path)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("paths of the zero event:\n got %v\nwant %v", got, want)
	}
}

// Values that only a Go caller can build: the JSON decoder never makes them.
func TestValidateGoValues(t *testing.T) {
	t.Parallel()
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(e *Event)
		path   string
		msg    string
	}{
		{"invalid UTF-8", func(e *Event) { e.Data.Subject = "caf\xe9" }, "data.subject", "must be valid UTF-8"},
		{"invalid UTF-8 in a body", func(e *Event) { e.Data.Text = "caf\xe9" }, "data.text", "must be valid UTF-8"},
		{"invalid UTF-8 in a field name", func(e *Event) { e.Data.Form = &Form{Fields: map[string]string{"\xff": "x"}} }, `data.form.fields["\xff"]`, "the field name must be valid UTF-8"},
		{"latitude NaN", func(e *Event) { e.Data.Location = &Location{Lat: math.NaN()} }, "data.location.lat", "must be a finite number"},
		{"longitude infinite", func(e *Event) { e.Data.Location = &Location{Lon: math.Inf(-1)} }, "data.location.lon", "must be a finite number"},
		{"year 10000", func(e *Event) { e.Time = far }, "time", "cannot be written as RFC 3339"},
		{"sent in year 10000", func(e *Event) { e.Data.SentAt = &far }, "data.sent_at", "cannot be written as RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := minimalEvent()
			tt.change(&e)
			var verr *ValidationError
			if err := e.Validate(); !errors.As(err, &verr) {
				t.Fatalf("got %v", err)
			}
			for _, p := range verr.Problems {
				if p.Path == tt.path && strings.HasPrefix(p.Message, tt.msg) {
					return
				}
			}
			t.Errorf("got %v, want %s: %s", verr, tt.path, tt.msg)
		})
	}
}

func TestComparePaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int // sign
	}{
		{"", "id", -1},
		{"data.attachments[2].sha256", "data.attachments[10].name", -1},
		{"data.attachments[10]", "data.attachments[9]", 1},
		{"data.attachments[02]", "data.attachments[2]", 1},
		{"data.channel", "id", -1},
		{"id", "id", 0},
		{"data.text", "data.thread.case_ref", -1},
	}
	for _, tt := range tests {
		got := comparePaths(tt.a, tt.b)
		if sign(got) != tt.want || sign(comparePaths(tt.b, tt.a)) != -tt.want {
			t.Errorf("comparePaths(%q, %q) = %d, want sign %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestNewEvent(t *testing.T) {
	t.Parallel()
	brussels := time.FixedZone("CET", 3600)
	at := time.Date(2026, 12, 4, 11, 15, 0, 0, brussels)
	m := minimalEvent().Data
	e := NewEvent("mp1-x", "meldpunt/test", at, m)
	if e.SpecVersion != SpecVersion || e.Type != TypeMessageV1 || e.DataContentType != DataContentType {
		t.Errorf("envelope: got %+v", e)
	}
	if e.ID != "mp1-x" || e.Source != "meldpunt/test" || e.Data.ExternalID != m.ExternalID {
		t.Errorf("arguments not kept: %+v", e)
	}
	if e.Time.Location() != time.UTC || !e.Time.Equal(at) {
		t.Errorf("time: got %v, want %v in UTC", e.Time, at)
	}
	if err := e.Validate(); err != nil {
		t.Error(err)
	}
}
