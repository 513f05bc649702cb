package seccomp

import (
	"strings"
	"testing"
)

// A profile printed to stdout was not written anywhere: the advice says
// to save it first, under the name the options then use.
func TestHowToNamesTheFile(t *testing.T) {
	if got := HowTo(FormatDocker, "", "ctrace-web"); !strings.HasPrefix(got, "save the profile as ctrace-web.json, then apply it:\n  docker run --security-opt seccomp=ctrace-web.json") {
		t.Errorf("stdout: %q", got)
	}
	if got := HowTo(FormatSPO, "", "ctrace-web"); !strings.HasPrefix(got, "save the profile as ctrace-web.yaml, then apply it: kubectl apply -n NAMESPACE -f ctrace-web.yaml") {
		t.Errorf("stdout, spo: %q", got)
	}
	if got := HowTo(FormatDocker, "/tmp/p.json", "ctrace-web"); !strings.HasPrefix(got, "apply it:\n  docker run --security-opt seccomp=/tmp/p.json") {
		t.Errorf("file: %q", got)
	}
}
