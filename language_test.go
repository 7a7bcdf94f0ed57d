package liveblog

import "testing"

func TestCanonicalLanguage(t *testing.T) {
	for in, want := range map[string]string{"en": "en", "AR": "ar", "pt-br": "pt-BR", "zh-hans": "zh-Hans", "sw": "sw"} {
		got, err := CanonicalLanguage(in)
		if err != nil || got != want {
			t.Errorf("CanonicalLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "und", "english", "e", "en_GB!", "a-very-long-language-tag-that-goes-on-and-on"} {
		if _, err := CanonicalLanguage(in); ErrorField(err) != "language" {
			t.Errorf("CanonicalLanguage(%q): got %v, want an error naming language", in, err)
		}
	}
}

func TestLanguageDirection(t *testing.T) {
	for tag, want := range map[string]string{
		"ar": "rtl", "ar-EG": "rtl", "fa": "rtl", "ur": "rtl", "ps": "rtl", "he": "rtl", "dv": "rtl",
		"en": "ltr", "hi": "ltr", "zh-Hans": "ltr", "sw": "ltr", "az-Arab": "rtl", "pa-Arab": "rtl", "pa": "ltr",
		"not a tag": "ltr",
	} {
		if got := LanguageDirection(tag); got != want {
			t.Errorf("LanguageDirection(%q) = %s, want %s", tag, got, want)
		}
	}
}
