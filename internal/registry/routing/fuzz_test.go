package routing

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func FuzzRoute(f *testing.F) {
	r, err := Load(filepath.Join("..", "..", "..", "configs", "routing.toml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("info", "email", "", "jan@example.be", "Paspoort", "Ik ben zéér ontevreden")
	f.Add("sociaalhuis", "eloket", "sluikstort", "x@leverancier.be", "", "afvalzakken geen antwoord")
	f.Add("", "", "", "@", "\xff\xfe", "ĳ\u0301*")
	names := map[string]bool{DefaultRule: true}
	for _, ru := range r.rules {
		names[ru.name] = true
	}
	deps := map[string]bool{}
	for _, d := range r.Departments() {
		deps[d.Code] = true
	}
	f.Fuzz(func(t *testing.T, inbox, channel, service, sender, subject, text string) {
		got := r.Route(Input{inbox, channel, service, sender, subject, text})
		if !deps[got.Department] || !names[got.Rule] {
			t.Errorf("Route = %+v: unknown department or rule", got)
		}
	})
}

var errorLine = regexp.MustCompile(`^fuzz\.toml:[1-9][0-9]*: `)

func FuzzParse(f *testing.F) {
	f.Add([]byte(testRules))
	f.Add([]byte(head + "[[rule]]\nname = \"a\"\nkeywords = [\"a\"]\ndepartment = \"x\"\n"))
	f.Add([]byte(head + "rule = [{name = \"a\", keywords = [\"a\"]}]\n"))
	f.Add([]byte("default = 1\ndepartment = [1]\nrule = \"x\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8<<10 {
			// Finding the line of a problem parses prefixes of the file,
			// which is quadratic; rules files are a few kilobytes.
			t.Skip()
		}
		r, err := Parse(data, "fuzz.toml")
		if err == nil {
			if r == nil {
				t.Fatal("nil rules without error")
			}
			r.Route(Input{Subject: string(data), Text: string(data)})
			return
		}
		var doc map[string]any
		_, tomlErr := toml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
		for _, line := range strings.Split(err.Error(), "\n") {
			if !errorLine.MatchString(line) {
				t.Errorf("error line without a line number (toml valid: %v): %q", tomlErr == nil, line)
			}
		}
	})
}
