// Command genopenapi writes the OpenAPI document of the registry's API
// (package openapigen). `go generate ./internal/registry/api` runs it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/api/internal/openapigen"
)

func main() {
	out := flag.String("o", "openapi.json", "file to write")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genopenapi:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	// The routes only: no handler runs, so nothing needs a store.
	doc, err := openapigen.Document(api.New(nil, nil, nil).Routes())
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, doc, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}
