package main

import "testing"

// The command line verify prints on its ready line must read back as the
// arguments it runs: `sh -c 'cat /etc/hostname; ls /'`, not the words
// joined with spaces.
func TestShellJoin(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--security-opt", "seccomp=/tmp/p.json", "--rm", "ctrace-test/busybox"}, "run --security-opt seccomp=/tmp/p.json --rm ctrace-test/busybox"},
		{[]string{"sh", "-c", "cat /etc/hostname; ls /"}, "sh -c 'cat /etc/hostname; ls /'"},
		{[]string{"echo", "it's", ""}, `echo 'it'\''s' ''`},
		{[]string{"a$b", "x>y", "*"}, `'a$b' 'x>y' '*'`},
	} {
		if got := shellJoin(c.args); got != c.want {
			t.Errorf("shellJoin(%q) = %s, want %s", c.args, got, c.want)
		}
	}
}
