package enrol

import "strings"

// candidateDelimiters in order of preference on a tie: French exports
// (Excel fr-FR, GAIA Mailexport) use semicolons.
var candidateDelimiters = []byte{';', ',', '\t', '|'}

// sniffDelimiter picks the delimiter that splits the sample lines most
// consistently: for each candidate, the most common per-line count of
// delimiters outside quotes (the mode) must be > 0; the winner has the most
// lines at its mode, then the higher mode, then the earlier candidate. A
// file without any (one e-mail per line) gets ';', which then never splits.
func sniffDelimiter(lines []string) byte {
	best, bestLines, bestMode := byte(';'), 0, 0
	for _, delim := range candidateDelimiters {
		counts := countOutsideQuotes(lines, delim)
		mode, atMode := modeOf(counts)
		if mode == 0 {
			continue
		}
		if atMode > bestLines || (atMode == bestLines && mode > bestMode) {
			best, bestLines, bestMode = delim, atMode, mode
		}
	}
	return best
}

// countOutsideQuotes counts delim per line, ignoring those inside quoted
// fields (quote state carries over line ends, as in a multi-line field).
func countOutsideQuotes(lines []string, delim byte) []int {
	counts := make([]int, 0, len(lines))
	inQuotes := false
	for _, line := range lines {
		n := 0
		for i := 0; i < len(line); i++ {
			switch line[i] {
			case '"':
				inQuotes = !inQuotes
			case delim:
				if !inQuotes {
					n++
				}
			}
		}
		counts = append(counts, n)
	}
	return counts
}

func modeOf(counts []int) (mode, freq int) {
	seen := map[int]int{}
	for _, c := range counts {
		seen[c]++
		if seen[c] > freq || (seen[c] == freq && c > mode) {
			mode, freq = c, seen[c]
		}
	}
	return mode, freq
}

// splitPlain splits a line without quotes; cells share the line's memory.
func splitPlain(line string, delim byte) []string {
	cells := make([]string, 0, strings.Count(line, string(delim))+1)
	for {
		i := strings.IndexByte(line, delim)
		if i < 0 {
			return append(cells, line)
		}
		cells = append(cells, line[:i])
		line = line[i+1:]
	}
}

// splitQuoted splits text that contains quotes, RFC 4180 style with
// leniency: a field is quoted when its first non-blank character is '"';
// "" inside it is a quote; text after the closing quote is kept; a quote
// inside an unquoted field is literal. open reports a quoted field still
// open at the end of text (the record continues on the next line).
func splitQuoted(text string, delim byte) (cells []string, open bool) {
	i := 0
	for {
		j := i
		for j < len(text) && (text[j] == ' ' || text[j] == '\t' && delim != '\t') {
			j++
		}
		if j < len(text) && text[j] == '"' {
			cell, next, closed := quotedField(text, j+1, delim)
			if !closed {
				return cells, true
			}
			cells = append(cells, cell)
			if next > len(text) {
				return cells, false
			}
			i = next
			continue
		}
		e := strings.IndexByte(text[i:], delim)
		if e < 0 {
			return append(cells, text[i:]), false
		}
		cells = append(cells, text[i:i+e])
		i += e + 1
	}
}

// quotedField reads a quoted field whose content starts at k. next is the
// index after the delimiter that ends it (len(text)+1 at the end of text).
func quotedField(text string, k int, delim byte) (cell string, next int, closed bool) {
	var b strings.Builder
	for {
		q := strings.IndexByte(text[k:], '"')
		if q < 0 {
			return "", 0, false
		}
		b.WriteString(text[k : k+q])
		k += q + 1
		if k < len(text) && text[k] == '"' {
			b.WriteByte('"')
			k++
			continue
		}
		break
	}
	e := strings.IndexByte(text[k:], delim)
	if e < 0 {
		b.WriteString(text[k:])
		return b.String(), len(text) + 1, true
	}
	b.WriteString(text[k : k+e])
	return b.String(), k + e + 1, true
}
