package output

import (
	"github.com/ctrace-dev/ctrace/internal/events"
)

// appendPeerJSON appends `,"peer":{…}` (network events whose far end is
// named) and `,"shared":{…}` (file events in a volume several containers
// mount); nothing otherwise.
func appendPeerJSON(dst []byte, ev *events.Event) []byte {
	if ev.Peer.Kind != events.PeerUnknown {
		dst = append(dst, `,"peer":{"kind":"`...)
		dst = append(dst, ev.Peer.Kind.String()...)
		dst = append(dst, '"')
		if ev.Peer.ID != "" {
			dst = append(dst, `,"id":`...)
			dst = AppendJSONString(dst, []byte(ev.Peer.ID))
			dst = append(dst, `,"name":`...)
			dst = AppendJSONString(dst, []byte(ev.Peer.Name))
			dst = append(dst, `,"image":`...)
			dst = AppendJSONString(dst, []byte(ev.Peer.Image))
		}
		dst = append(dst, '}')
	}
	if s := ev.Shared; s != nil {
		dst = append(dst, `,"shared":{"source":`...)
		dst = AppendJSONString(dst, []byte(s.Source))
		dst = append(dst, `,"containers":[`...)
		for i, c := range s.Containers {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"id":`...)
			dst = AppendJSONString(dst, []byte(c.ID))
			dst = append(dst, `,"name":`...)
			dst = AppendJSONString(dst, []byte(c.Name))
			dst = append(dst, '}')
		}
		dst = append(dst, "]}"...)
	}
	return dst
}

// appendPeerTable appends " peer=name" / " shared=[a b]" to a table line.
func appendPeerTable(dst []byte, ev *events.Event) []byte {
	switch ev.Peer.Kind {
	case events.PeerUnknown:
	case events.PeerContainer:
		dst = append(dst, " peer="...)
		dst = AppendTerminal(dst, []byte(peerName(ev.Peer.Name, ev.Peer.ID)))
	default:
		dst = append(dst, " peer="...)
		dst = append(dst, ev.Peer.Kind.String()...)
	}
	if s := ev.Shared; s != nil {
		dst = append(dst, " shared=["...)
		for i, c := range s.Containers {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = AppendTerminal(dst, []byte(peerName(c.Name, c.ID)))
		}
		dst = append(dst, ']')
	}
	return dst
}

func peerName(name, id string) string {
	if name != "" {
		return name
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
