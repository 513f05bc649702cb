package containers

import (
	"errors"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	pod := &PodInfo{Name: "web-7d9f", Namespace: "shop", UID: uid}
	known := []Info{
		{ID: id1, Name: "web"},
		{ID: id2, Name: "db"},
		{ID: id3, Name: "nginx", Pod: pod},
		{ID: id1, Name: "web"}, // a second cgroup of the same container
	}
	for ref, want := range map[string]string{
		"web":                  id1,
		"db":                   id2,
		id2:                    id2,
		id1[:12]:               id1,
		"6":                    id1, // unique prefix
		"web-7d9f/nginx":       id3,
		"shop/web-7d9f/nginx":  id3,
		"fb1c9e0d7a3b5c4d2e1f": id2,
	} {
		got, err := Resolve(ref, known)
		if err != nil || got.ID != want {
			t.Errorf("Resolve(%q) = %s, %v; want %s", ref, got.ID, err, want[:12])
		}
	}
	for ref, wantErr := range map[string]string{
		"wev":          `unknown container "wev": did you mean "web"? (ctrace ls lists the containers)`,
		"ngnix":        `unknown container "ngnix": did you mean "nginx"? (ctrace ls lists the containers)`,
		"web-7d9f/ngx": `unknown container "web-7d9f/ngx": did you mean "web-7d9f/nginx"? (ctrace ls lists the containers)`,
		"zzzzzzzz":     `unknown container "zzzzzzzz" (ctrace ls lists the containers)`,
		"":             `unknown container "" (ctrace ls lists the containers)`,
		"DB":           `unknown container "DB": did you mean "db"? (ctrace ls lists the containers)`,
	} {
		_, err := Resolve(ref, known)
		if err == nil || err.Error() != wantErr || !errors.Is(err, ErrUnknownContainer) {
			t.Errorf("Resolve(%q) error = %v\nwant %s", ref, err, wantErr)
		}
	}
	// An ambiguous prefix names the candidates.
	two := []Info{{ID: "ab" + id1[2:], Name: "a"}, {ID: "ab" + id2[2:], Name: "b"}}
	if _, err := Resolve("ab", two); err == nil || !strings.HasPrefix(err.Error(), `container id prefix "ab" is ambiguous: it matches ab1c9e0d7a3b (b), ab9c1d2e3f4a (a)`) {
		t.Errorf("ambiguous: %v", err)
	}
	// A name wins over an id prefix it happens to spell.
	named := []Info{{ID: id1, Name: "bad"}, {ID: "bad" + id2[3:], Name: "other"}}
	if got, err := Resolve("bad", named); err != nil || got.ID != id1 {
		t.Errorf("name vs prefix: %s, %v", got.ID, err)
	}
}

func TestMatches(t *testing.T) {
	in := Info{ID: id1, Name: "web", Pod: &PodInfo{Name: "p", Namespace: "ns"}}
	for ref, want := range map[string]bool{"web": true, id1: true, id1[:3]: true, "p/web": true, "ns/p/web": true,
		"": false, "we": false, "6A9C": false, "x/p/web": false, id2[:4]: false} {
		if got := Matches(ref, in); got != want {
			t.Errorf("Matches(%q) = %v", ref, got)
		}
	}
}
