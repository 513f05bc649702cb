package sysfmt

import "testing"

// Parse reads back what Append renders.
func TestParseRoundTrip(t *testing.T) {
	for _, c := range []struct {
		k Kind
		v uint64
	}{
		{SocketFamily, 2}, {SocketFamily, 1}, {SocketFamily, 10}, {SocketFamily, 16}, {SocketFamily, 63},
		{PrctlOption, 15}, {PrctlOption, 22}, {PrctlOption, 38}, {PrctlOption, 0x59616d61},
		{IoctlRequest, 0x5401}, {IoctlRequest, 0x5421},
		{CloneFlags, 0x1200011}, {CloneFlags, 0x7e020000 | 17}, {CloneFlags, 0},
		{SeccompOp, 1}, {SeccompFlags, 1},
	} {
		s := string(Append(nil, c.k, c.v))
		got, ok := Parse(c.k, s)
		if !ok || got != c.v {
			t.Errorf("Parse(%v, %q) = %#x, %v; want %#x", c.k, s, got, ok, c.v)
		}
	}
	for _, bad := range []string{"", "AF_NOPE", "_IOC(_IOC_READ, 0x54, 0x1, 0x4)", "/* x"} {
		if _, ok := Parse(IoctlRequest, bad); ok {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}
