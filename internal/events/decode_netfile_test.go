package events

import (
	"testing"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/events/eventstest"
)

func netRecord(event bpf.NetEvent, flags bpf.NetFlags, local, remote string) []byte {
	rec := bpf.NetRec{Hdr: eventstest.Header(bpf.RecNet, 0, "nc"), Event: uint16(event), Family: 2, Protocol: 6,
		Netns: 4026531840, Err: -111, BytesSent: 1234, BytesReceived: 56, TcpBytesAcked: 1236, TcpBytesReceived: 57,
		DurationNs: 5000, Role: uint16(bpf.RoleClient), Flags: uint32(flags)}
	return eventstest.New(rec).Item(0, bpf.ArgSockaddr, 0, eventstest.Sockaddr(local)).Item(1, bpf.ArgSockaddr, 0, eventstest.Sockaddr(remote)).Bytes()
}

func TestDecodeNetConnect(t *testing.T) {
	var ev Event
	if err := newTestDecoder().Decode(netRecord(bpf.NetConnect, 0, "172.18.0.2:41000", "172.18.0.3:5000"), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "tcp_connect" || ev.Def.Syscall || ev.Retval != -111 || !ev.HasReturn() {
		t.Fatalf("def %s retval %d", ev.Def.Name, ev.Retval)
	}
	if ev.PID != 100 || string(ev.Comm) != "nc" || ev.Vals[2] != 4026531840 {
		t.Errorf("pid %d comm %q netns %d", ev.PID, ev.Comm, ev.Vals[2])
	}
	b, ok := ev.Value(ParamNetRemote)
	sa, ok2 := DecodeSockaddr(b)
	if !ok || !ok2 || sa.Addr.String() != "172.18.0.3" || sa.Port != 5000 {
		t.Errorf("remote %+v", sa)
	}
}

func TestDecodeNetCloseBytes(t *testing.T) {
	d := newTestDecoder()
	var ev Event
	if err := d.Decode(netRecord(bpf.NetClose, bpf.NetFlagAppBytes, "10.0.0.1:1", "10.0.0.2:2"), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "tcp_close" || ev.HasReturn() {
		t.Fatalf("def %s", ev.Def.Name)
	}
	if ev.Vals[2] != 1234 || ev.Vals[3] != 56 || ev.Vals[4] != 5000 || string(ev.Str(5)) != "client" {
		t.Errorf("sent %d received %d duration %d role %q", ev.Vals[2], ev.Vals[3], ev.Vals[4], ev.Str(5))
	}
	// Without the length tracepoints: the tcp_sock counters, less SYN and FIN.
	if err := d.Decode(netRecord(bpf.NetClose, 0, "10.0.0.1:1", "10.0.0.2:2"), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Vals[2] != 1234 || ev.Vals[3] != 56 {
		t.Errorf("from tcp counters: sent %d received %d", ev.Vals[2], ev.Vals[3])
	}
}

func TestDecodeNetListenHasNoRemote(t *testing.T) {
	var ev Event
	if err := newTestDecoder().Decode(netRecord(bpf.NetListen, 0, "0.0.0.0:80", "0.0.0.0:0"), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "tcp_listen" || len(ev.Strs) != 1 || ev.Vals[1] != 4026531840 {
		t.Errorf("def %s strs %d netns %d", ev.Def.Name, len(ev.Strs), ev.Vals[1])
	}
}

func TestDecodeFileHookRecord(t *testing.T) {
	rec := bpf.FileRec{Hdr: eventstest.Header(bpf.RecFile, 0, "cat"), Event: uint16(bpf.FileRead), Ino: 77, Dev: 0x800001, Bytes: 512, Result: 512}
	var ev Event
	if err := newTestDecoder().Decode(eventstest.New(rec).Item(0, bpf.ArgStr, 0, "/etc/passwd").Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Def.Name != "file_read" || string(ev.Str(0)) != "/etc/passwd" || ev.Retval != 512 {
		t.Fatalf("%s %q %d", ev.Def.Name, ev.Str(0), ev.Retval)
	}
	if ev.Vals[ParamRWBytes] != 512 || ev.Vals[ParamRWCount] != 1 || ev.Vals[ParamRWIno] != 77 || ev.Vals[ParamRWDev] != 0x800001 || int32(ev.Vals[ParamRWFd]) != -1 {
		t.Errorf("vals %v", ev.Vals)
	}
}

func TestDecodeUnknownNetEvent(t *testing.T) {
	var ev Event
	if err := newTestDecoder().Decode(netRecord(99, 0, "1.1.1.1:1", "1.1.1.1:1"), &ev); err == nil {
		t.Error("no error for an unknown network event")
	}
}

func TestAliasSelectsEvent(t *testing.T) {
	cat := newTestDecoder().cat
	d, ok := cat.ByName("vfs_write")
	if !ok || d.Name != "file_write" {
		t.Errorf("vfs_write -> %v", d)
	}
}

func FuzzDecodeNetFile(f *testing.F) {
	f.Add(netRecord(bpf.NetClose, bpf.NetFlagAppBytes, "10.0.0.1:1", "10.0.0.2:2"))
	f.Add(netRecord(bpf.NetListen, 0, "0.0.0.0:80", "0.0.0.0:0"))
	rec := bpf.FileRec{Hdr: eventstest.Header(bpf.RecFile, 0, "cat"), Event: uint16(bpf.FileOpen)}
	f.Add(eventstest.New(rec).Item(0, bpf.ArgStr, 0, "/etc/passwd").Bytes())
	d := newTestDecoder()
	f.Fuzz(func(t *testing.T, raw []byte) {
		var ev Event
		if err := d.Decode(raw, &ev); err == nil {
			if ev.Def == nil {
				t.Fatal("decoded event without definition")
			}
			for _, s := range ev.Strs {
				if int(s.Param) >= len(ev.Def.Params) && ev.Def.Syscall == false {
					t.Fatalf("%s: string for param %d", ev.Def.Name, s.Param)
				}
			}
		}
	})
}
