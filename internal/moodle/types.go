package moodle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Moodle's JSON mixes types for the same idea: flags come as 1/0 or
// true/false, numbers sometimes as strings ("userid": "2" from upload.php,
// older releases quote most ints), and nullable fields as null. These types
// accept every form seen and decode null as the zero value.

// Bool accepts true/false, 0/1, "0"/"1", "true"/"false", "" and null.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bool) UnmarshalJSON(data []byte) error {
	s := unquote(data)
	switch strings.ToLower(s) {
	case "", "null", "0", "false":
		*b = false
	case "1", "true":
		*b = true
	default:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("moodle bool: cannot decode %s", truncate(string(data), 40))
		}
		*b = n != 0
	}
	return nil
}

// Int is an integer that may arrive as a JSON number, a numeric string or null.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (i *Int) UnmarshalJSON(data []byte) error {
	s := unquote(data)
	switch strings.ToLower(s) {
	case "", "null":
		*i = 0
		return nil
	case "true":
		*i = 1
		return nil
	case "false":
		*i = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("moodle int: cannot decode %s", truncate(string(data), 40))
		}
		n = int64(f)
	}
	*i = Int(n)
	return nil
}

// Float is a number that may arrive as a JSON number, a numeric string or null.
type Float float64

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(data []byte) error {
	s := unquote(data)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("moodle float: cannot decode %s", truncate(string(data), 40))
	}
	*f = Float(n)
	return nil
}

// String accepts a JSON string, a number (kept as its literal) or null, for
// fields such as warningcode that some functions send as "2" and others as 2.
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("moodle string: %w", err)
		}
		*s = String(v)
		return nil
	}
	if string(data) == "null" {
		*s = ""
		return nil
	}
	*s = String(data)
	return nil
}

func unquote(data []byte) string {
	data = bytes.TrimSpace(data)
	if len(data) >= 2 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err == nil {
			return strings.TrimSpace(s)
		}
	}
	return string(data)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// NameValue is the {name, value} pair Moodle uses for options lists
// (duplicate_course options, get_enrolled_users options, course format options).
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// KeyValue is the {key, value} pair of search criteria (get_users, get_categories).
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}
