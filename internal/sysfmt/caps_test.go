package sysfmt

import "testing"

func TestCaps(t *testing.T) {
	cases := map[uint64]string{
		0:             "0",
		1<<0 | 1<<5:   "1<<CAP_CHOWN|1<<CAP_KILL",
		1 << 21:       "1<<CAP_SYS_ADMIN",
		1<<40 | 1<<63: "1<<CAP_CHECKPOINT_RESTORE|1<<63",
	}
	for v, want := range cases {
		if got := string(AppendCapSet(nil, v)); got != want {
			t.Errorf("AppendCapSet(%#x) = %q, want %q", v, got, want)
		}
	}
	if CapName(39) != "CAP_BPF" || CapName(41) != "" || CapVersion(0x20080522) != "_LINUX_CAPABILITY_VERSION_3" {
		t.Error("cap names")
	}
}
