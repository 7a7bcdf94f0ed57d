package liveblog

import (
	"golang.org/x/text/language"
)

// DefaultLanguage is the language of an event created without one, unless
// the server is given another default.
const DefaultLanguage = "en"

// MaxLanguageLength caps a language tag as given, before it is parsed:
// BCP 47 tags in use are short ("zh-Hans-CN" is ten characters).
const MaxLanguageLength = 35

// CanonicalLanguage checks that tag is a well-formed BCP 47 language tag
// and returns its canonical form ("PT-br" becomes "pt-BR"), naming the field
// "language" when it is not. "und", the undetermined language, is refused:
// a page must say what it is written in.
func CanonicalLanguage(tag string) (string, error) {
	if tag == "" {
		return "", FieldError("language", "A language such as en, ar or pt-BR is required.")
	}
	if len(tag) > MaxLanguageLength {
		return "", FieldError("language", "A language tag is at most %d characters.", MaxLanguageLength)
	}
	t, err := language.Parse(tag)
	if err != nil || t == language.Und {
		return "", FieldError("language", "%q is not a language tag; use a BCP 47 tag such as en, ar or pt-BR.", tag)
	}
	return t.String(), nil
}

// rightToLeft holds the ISO 15924 codes of the scripts written right to
// left that languages in use are written in.
var rightToLeft = map[string]bool{
	"Arab": true, "Hebr": true, "Syrc": true, "Thaa": true, "Nkoo": true,
	"Adlm": true, "Rohg": true, "Mand": true, "Samr": true, "Yezi": true,
}

// LanguageDirection returns "rtl" when tag's script, given or most likely
// for the language ("ar", "fa", "ur" and "ps" are written in Arabic script),
// is written right to left, and "ltr" otherwise, including for a tag that
// does not parse.
func LanguageDirection(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return "ltr"
	}
	script, _ := t.Script()
	if rightToLeft[script.String()] {
		return "rtl"
	}
	return "ltr"
}

// Direction returns the writing direction of the event's language, "rtl"
// or "ltr", for the dir attribute of its pages.
func (e *Event) Direction() string { return LanguageDirection(e.Language) }
