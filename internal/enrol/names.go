package enrol

import (
	"strings"
	"unicode"
)

// SplitFullName splits a "NOM Prénom" cell as GAIA/Mailexport writes it
// ("JEAN-MARIE MAGALIE", "GRANDISSON HIPON FRANCOISE") into last and first
// names. It never invents text: both parts are words of full. Rules, in order:
//
//  1. One word: it is the last name.
//  2. Mixed case ("DE LA FONTAINE Jean-Pierre"): the leading all-capital
//     words are the last name, the rest the first name; if instead it
//     starts with non-capital words ("Jean-Pierre DE LA FONTAINE"), the
//     trailing all-capital words are the last name.
//  3. Uniform case, two words: last name then first name (GAIA order;
//     compound last names are hyphenated there).
//  4. Uniform case, three words or more: the e-mail's local part, when it
//     looks like "prenom.nom", only chooses the split point: the split
//     whose first-name words spell the part before the first dot wins,
//     else the one whose last-name words spell the rest. Letters are
//     compared without accents, case, hyphens or digits.
//  5. Otherwise the first word is the last name and guessed is true, so
//     the caller can flag the row (code name_split_guess).
func SplitFullName(full, emailHint string) (last, first string, guessed bool) {
	words := strings.Fields(full)
	switch len(words) {
	case 0:
		return "", "", false
	case 1:
		return words[0], "", false
	}
	if k := leadingCapitals(words); k > 0 && k < len(words) {
		return join(words[:k]), join(words[k:]), false
	}
	if j := trailingCapitalsStart(words); j > 0 && j < len(words) && !isCapitalWord(words[0]) {
		return join(words[j:]), join(words[:j]), false
	}
	if len(words) == 2 {
		return words[0], words[1], false
	}
	if k := splitFromEmail(words, emailHint); k > 0 {
		return join(words[:k]), join(words[k:]), false
	}
	return words[0], join(words[1:]), true
}

func join(words []string) string { return strings.Join(words, " ") }

// isCapitalWord: at least one letter and no lower-case letter.
func isCapitalWord(w string) bool {
	letters := false
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		letters = letters || unicode.IsLetter(r)
	}
	return letters
}

func leadingCapitals(words []string) int {
	k := 0
	for k < len(words) && isCapitalWord(words[k]) {
		k++
	}
	return k
}

func trailingCapitalsStart(words []string) int {
	j := len(words)
	for j > 0 && isCapitalWord(words[j-1]) {
		j--
	}
	return j
}

// splitFromEmail returns the split point k (last = words[:k]) agreed by the
// e-mail's "first.last" local part, or 0 when it does not decide.
func splitFromEmail(words []string, email string) int {
	local, _, ok := strings.Cut(email, "@")
	firstHint, lastHint, dotted := strings.Cut(local, ".")
	if !ok || !dotted {
		return 0
	}
	firstHint = foldLetters(firstHint)
	lastHint = foldLetters(lastHint)
	if k := uniqueSplit(words, func(k int) bool { return foldLetters(join(words[k:])) == firstHint }); k > 0 {
		return k
	}
	return uniqueSplit(words, func(k int) bool { return foldLetters(join(words[:k])) == lastHint })
}

func uniqueSplit(words []string, match func(k int) bool) int {
	found := 0
	for k := 1; k < len(words); k++ {
		if match(k) {
			if found > 0 {
				return 0
			}
			found = k
		}
	}
	return found
}

// foldLetters keeps only letters, lowercased and without accents.
func foldLetters(s string) string {
	s = accentFold.Replace(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
