// Package ci decides what a test does when a server or tool it needs is
// missing: under CI=true (as .ci/run sets it) that is a failure, never a
// silent skip; on a developer's machine the test is skipped, saying why.
package ci

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// Enabled reports whether the tests run in CI (CI set to a true value).
func Enabled() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// Missing ends t because something it needs is missing: Fatal in CI, Skip
// elsewhere.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Enabled() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
