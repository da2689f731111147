package caseevent

import (
	"regexp"
	"strings"
)

// CaseRefPattern matches a case reference with the given prefix the way
// people write it: PREFIX-YYYY-NNNNNN in any case, with spaces around the
// dashes ("[MP-2026-000123]", "mp - 2026 - 000123"). Connectors use it to
// fill thread.case_ref, the registry to find references in subjects and
// texts. Each call compiles a new one.
func CaseRefPattern(prefix string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(prefix) + `\s*-\s*\d{4}\s*-\s*\d{6}\b`)
}

// NormalizeCaseRef writes a matched reference the way references are
// stored: white space removed, upper case.
func NormalizeCaseRef(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}
