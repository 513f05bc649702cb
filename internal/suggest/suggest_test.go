package suggest

import (
	"reflect"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"opnat", "openat", 1}, {"abc", "abc", 0}, {"ab", "ba", 2}} {
		if got := Distance(c.a, c.b); got != c.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
		if got := Distance(c.b, c.a); got != c.d {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", c.b, c.a, got, c.d)
		}
	}
}

func TestNearest(t *testing.T) {
	keys := []string{"output-format", "events-path", "errors-path", "docker-socket", "podman-socket", "containerd-socket", "crio-socket"}
	for _, c := range []struct {
		name string
		max  int
		want []string
	}{
		{"evnts-path", 3, []string{"events-path"}},
		{"EVENTS-PATH", 3, []string{"events-path"}},
		{"error-path", 1, []string{"errors-path"}},
		{"docker", 3, []string{"docker-socket"}}, // a prefix, though far
		{"socket", 3, nil},
		{"colour", 3, nil},
		{"", 3, nil},
		{"events-path", 0, nil},
		{"xrrors-path", 3, []string{"errors-path"}}, // events-path is 3 edits away: left out
		{"evens-paths", 3, []string{"events-path"}},
		{"ab", 3, nil},
	} {
		if got := Nearest(c.name, keys, c.max); !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("Nearest(%q, %d) = %q, want %q", c.name, c.max, got, c.want)
		}
	}
	if got := Nearest("ab", []string{"ab", "ab", "", "ac"}, 5); !reflect.DeepEqual(got, []string{"ab", "ac"}) {
		t.Errorf("duplicates/empty: %q", got)
	}
}

func TestPhraseAndUnknown(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{{nil, ""}, {[]string{"a"}, `did you mean "a"?`}, {[]string{"a", "b"}, `did you mean "a" or "b"?`}, {[]string{"a", "b", "c"}, `did you mean "a", "b" or "c"?`}} {
		if got := Phrase(c.in); got != c.want {
			t.Errorf("Phrase(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Unknown("config key", "colr", []string{"color", "events-path"}, "keys: color, events-path"); got != `unknown config key "colr": did you mean "color"? (keys: color, events-path)` {
		t.Errorf("Unknown = %s", got)
	}
	if got := Unknown("thing", "zzzz", []string{"a"}, ""); got != `unknown thing "zzzz"` {
		t.Errorf("Unknown = %s", got)
	}
	if got := Unknown("thing", "a\nb", nil, ""); got != `unknown thing "a\nb"` {
		t.Errorf("Unknown must quote control characters: %s", got)
	}
}
