package jsonapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// splitPath splits a dot path into its steps. The empty path is the value
// itself.
func splitPath(path string) []string {
	if path == "" {
		return nil
	}
	return strings.Split(path, ".")
}

// checkPath reports what is wrong with a dot path, or nil.
func checkPath(path string) error {
	for i, step := range splitPath(path) {
		if step == "" {
			return fmt.Errorf("empty step %d in %q", i+1, path)
		}
	}
	return nil
}

// lookup follows a dot path through values decoded with UseNumber: a step
// is a key of an object or a zero-based index of an array. A key that
// itself contains dots is found as long as no shorter prefix of it is a key.
func lookup(v any, path string) (any, bool) {
	steps := splitPath(path)
	for len(steps) > 0 {
		switch t := v.(type) {
		case map[string]any:
			n, next, ok := objectStep(t, steps)
			if !ok {
				return nil, false
			}
			v, steps = next, steps[n:]
		case []any:
			i, err := strconv.Atoi(steps[0])
			if err != nil || i < 0 || i >= len(t) || steps[0] != strconv.Itoa(i) {
				return nil, false
			}
			v, steps = t[i], steps[1:]
		default:
			return nil, false
		}
	}
	return v, true
}

// objectStep finds the key for the first steps of a path in an object,
// trying "a", then "a.b", and so on; it returns how many steps it used.
func objectStep(obj map[string]any, steps []string) (int, any, bool) {
	key := ""
	for n, step := range steps {
		if n > 0 {
			key += "."
		}
		key += step
		if v, ok := obj[key]; ok {
			return n + 1, v, true
		}
	}
	return 0, nil, false
}

// rawLookup follows a dot path through raw JSON without decoding the leaves,
// so that the value found is exactly the bytes received.
func rawLookup(raw json.RawMessage, path string) (json.RawMessage, error) {
	steps := splitPath(path)
	for len(steps) > 0 {
		switch firstByte(raw) {
		case '{':
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(raw, &obj); err != nil {
				return nil, err
			}
			key, found := "", false
			for n, step := range steps {
				if n > 0 {
					key += "."
				}
				key += step
				if v, ok := obj[key]; ok {
					raw, steps, found = v, steps[n+1:], true
					break
				}
			}
			if !found {
				return nil, fmt.Errorf("no %q", steps[0])
			}
		case '[':
			var arr []json.RawMessage
			if err := json.Unmarshal(raw, &arr); err != nil {
				return nil, err
			}
			i, err := strconv.Atoi(steps[0])
			if err != nil || i < 0 || i >= len(arr) {
				return nil, fmt.Errorf("no index %q", steps[0])
			}
			raw, steps = arr[i], steps[1:]
		default:
			return nil, fmt.Errorf("%q is inside neither an object nor an array", steps[0])
		}
	}
	return raw, nil
}

func firstByte(raw []byte) byte {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b
	}
	return 0
}
