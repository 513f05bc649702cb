package events

import "github.com/cilium/ebpf/btf"

func sizeOf(t btf.Type) (int, error) { return btf.Sizeof(t) }
