package routing

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const head = `[default]
department = "onthaal"
[[department]]
code = "onthaal"
name = "Onthaal"
[[department]]
code = "milieu"
name = "Milieu"
`

// head has 8 lines; the first rule line below is line 9.

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want string // "line: substring" of one of the errors
	}{
		{"syntax error", head + "[[rule]]\nname = \"x\nkeywords = [\"a\"]\n", "test.toml:10: "},
		{"unknown department in second rule",
			head + "[[rule]]\nname = \"a\"\nkeywords = [\"a\"]\ndepartment = \"milieu\"\n\n[[rule]]\nname = \"b\"\nkeywords = [\"b\"]\ndepartment = \"groendienst\"\n",
			`test.toml:17: unknown department "groendienst"`},
		{"unknown type", head + "[[rule]]\nname = \"a\"\nkeywords = [\"a\"]\ntype = \"vraagje\"\n", `test.toml:12: unknown type "vraagje"`},
		{"unknown priority", head + "[[rule]]\nname = \"a\"\nkeywords = [\"a\"]\npriority = \"urgent\"\n", `test.toml:12: unknown priority "urgent"`},
		{"unknown channel", head + "[[rule]]\nname = \"a\"\nchannel = [\"email\", \"fax\"]\ntype = \"klacht\"\n", `test.toml:11: unknown channel "fax"`},
		{"rule without condition", head + "\n[[rule]]\nname = \"alles\"\ndepartment = \"milieu\"\n", `test.toml:10: rule "alles" has no condition`},
		{"rule without outcome", head + "[[rule]]\nname = \"a\"\nkeywords = [\"a\"]\n", `test.toml:9: rule "a" sets none`},
		{"rule without name", head + "[[rule]]\nkeywords = [\"a\"]\ntype = \"klacht\"\n", `test.toml:9: name is missing`},
		{"duplicate rule name", head + "[[rule]]\nname = \"a\"\nkeywords = [\"a\"]\ntype = \"klacht\"\n[[rule]]\nname = \"a\"\nkeywords = [\"b\"]\ntype = \"klacht\"\n", `test.toml:14: rule "a" is defined twice`},
		{"bad keyword", head + "[[rule]]\nname = \"a\"\nkeywords = [\"ok\",\n  \"!!\"]\ntype = \"klacht\"\n", `test.toml:12: bad keyword "!!"`},
		{"empty list", head + "[[rule]]\nname = \"a\"\ninbox = []\ntype = \"klacht\"\n", `test.toml:11: inbox is an empty list`},
		{"list of wrong type", head + "[[rule]]\nname = \"a\"\ninbox = \"info\"\ntype = \"klacht\"\n", `test.toml:11: inbox must be a list`},
		{"bad sender domain", head + "[[rule]]\nname = \"a\"\nsender_domain = [\"jan@x.be\"]\ntype = \"klacht\"\n", `test.toml:11: bad sender domain`},
		{"unknown rule setting", head + "[[rule]]\nname = \"a\"\nkeyword = [\"a\"]\ntype = \"klacht\"\n", `test.toml:11: unknown setting "keyword"`},
		{"unknown default department", "[default]\ndepartment = \"groendienst\"\n[[department]]\ncode = \"a\"\nname = \"A\"\n", `test.toml:2: unknown department "groendienst"`},
		{"no default", "[[department]]\ncode = \"a\"\nname = \"A\"\n", `test.toml:1: no [default] table`},
		{"duplicate department", head + "[[department]]\ncode = \"milieu\"\nname = \"Milieu 2\"\n", `test.toml:10: department "milieu" is defined twice`},
		{"bad department code", head + "[[department]]\ncode = \"Openbare Werken\"\nname = \"OW\"\n", `test.toml:10: department code`},
		{"unknown top-level setting", "rules = 1\n" + head, `test.toml:1: unknown setting "rules"`},
		{"inline array of tables", "rule = [{name = \"a\", keywords = [\"a\"], type = \"klacht\"},\n  {name = \"b\", keywords = [\"b\"], department = \"x\"}]\n" + head, `test.toml:2: unknown department "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.src), "test.toml")
			if err == nil {
				t.Fatal("Parse accepted the file")
			}
			if !strings.Contains("\n"+err.Error(), "\n"+tt.want) {
				t.Errorf("error\n%v\nwant a line starting %q", err, tt.want)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	src := head + "[[rule]]\nname = \"a\"\nkeywords = [\"a\"]\ndepartment = \"x\"\n[[rule]]\nname = \"b\"\nkeywords = [\"b\"]\ntype = \"y\"\n"
	_, err := Parse([]byte(src), "r.toml")
	if err == nil {
		t.Fatal("Parse accepted the file")
	}
	want := "r.toml:12: unknown department \"x\" (not a [[department]] code)\nr.toml:16: unknown type \"y\" (want vraag, melding, klacht)"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
}

func TestDefaultOutcomes(t *testing.T) {
	t.Parallel()
	r := mustParse(t, "[default]\ndepartment = \"a\"\ntype = \"melding\"\npriority = \"laag\"\n[[department]]\ncode = \"a\"\nname = \"A\"\n[[rule]]\nname = \"x\"\nkeywords = [\"x\"]\npriority = \"dringend\"\n")
	if got, want := r.Default(), (Result{"a", "melding", "laag", "default"}); got != want {
		t.Errorf("Default = %+v, want %+v", got, want)
	}
	if got, want := r.Route(Input{Text: "x"}), (Result{"a", "melding", "dringend", "x"}); got != want {
		t.Errorf("Route = %+v, want %+v", got, want)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.toml")); err == nil || !strings.Contains(err.Error(), "read routing rules") {
		t.Errorf("Load(missing) = %v", err)
	}
	p := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(p, []byte(head+"[[rule]]\nname = \"a\"\nkeywords = [\"a\"]\ndepartment = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+":12: ") {
		t.Errorf("Load(bad) = %v, want prefix %s:12:", err, p)
	}
}
