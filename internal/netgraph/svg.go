package netgraph

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// SVG rendering: a small layered ("Sugiyama-style") layout, enough for the
// tens of containers of one host, with no dependency and no cgo. Clients are
// placed left of their servers (longest-path layers, cycles broken where a
// depth-first search meets them), nodes within a layer ordered by the mean
// position of their neighbours, edges drawn as curves with their port,
// protocol, connections and bytes. The output is deterministic.

const (
	svgMargin   = 24.0
	svgNodeH    = 36.0
	svgRowGap   = 48.0
	svgColGap   = 230.0
	svgCharW    = 7.0 // average advance of 12px sans-serif
	svgLineH    = 14.0
	svgMinNodeW = 80.0
)

type svgNode struct {
	ep     Endpoint
	layer  int
	order  float64
	x, y   float64
	w      float64
	preds  []int
	succs  []int
	labelW float64
}

type svgLink struct {
	from, to int
	lines    []string
}

// WriteSVG renders the graph as a standalone SVG picture.
func (g *Graph) WriteSVG(w io.Writer) error {
	eps := g.Nodes()
	idx := map[string]int{}
	nodes := make([]*svgNode, len(eps))
	for i, ep := range eps {
		idx[ep.Key()] = i
		lw := float64(len([]rune(ep.Label()))) * svgCharW
		nodes[i] = &svgNode{ep: ep, w: math.Max(svgMinNodeW, lw+28), labelW: lw}
	}
	// One link per (client, server) pair, with a label line per edge.
	linkIdx := map[[2]int]int{}
	var links []*svgLink
	for _, e := range g.Edges() {
		k := [2]int{idx[e.Client.Key()], idx[e.Server.Key()]}
		li, ok := linkIdx[k]
		if !ok {
			li = len(links)
			linkIdx[k] = li
			links = append(links, &svgLink{from: k[0], to: k[1]})
			if k[0] != k[1] {
				nodes[k[0]].succs = append(nodes[k[0]].succs, k[1])
				nodes[k[1]].preds = append(nodes[k[1]].preds, k[0])
			}
		}
		links[li].lines = append(links[li].lines, e.Summary())
	}
	layers := assignLayers(nodes)
	orderLayers(nodes, layers)
	width, height := place(nodes, layers)

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n", width, height, width, height)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>` + "\n")
	fmt.Fprintf(&b, `<rect width="%.0f" height="%.0f" fill="#ffffff"/>`+"\n", width, height)
	var labels strings.Builder
	for _, l := range links {
		path, lx, ly := linkPath(nodes[l.from], nodes[l.to])
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="#555" stroke-width="1.3" marker-end="url(#arrow)"/>`+"\n", path)
		writeLabel(&labels, lx, ly, l.lines)
	}
	for _, n := range nodes {
		fill, stroke, rx := "#e8f0fe", "#4a6fa5", 6.0
		switch n.ep.Kind {
		case KindHost:
			fill, stroke, rx = "#eeeeee", "#777777", svgNodeH/2
		case KindExternal, KindUnix:
			fill, stroke, rx = "#ffffff", "#999999", svgNodeH/2
		}
		fmt.Fprintf(&b, `<g><title>%s</title><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="%.1f" fill="%s" stroke="%s"/>`,
			xmlText(n.ep.Key()), n.x, n.y, n.w, svgNodeH, rx, fill, stroke)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" dominant-baseline="central">%s</text></g>`+"\n",
			n.x+n.w/2, n.y+svgNodeH/2, xmlText(n.ep.Label()))
	}
	b.WriteString(labels.String())
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// assignLayers gives every node the length of the longest path reaching it,
// ignoring edges that close a cycle; it returns the nodes of each layer.
func assignLayers(nodes []*svgNode) [][]int {
	const (
		unseen = iota
		active
		done
	)
	state := make([]int, len(nodes))
	back := map[[2]int]bool{}
	var post []int
	var visit func(int)
	visit = func(v int) {
		state[v] = active
		for _, s := range nodes[v].succs {
			switch state[s] {
			case unseen:
				visit(s)
			case active:
				back[[2]int{v, s}] = true
			}
		}
		state[v] = done
		post = append(post, v)
	}
	for v := range nodes {
		if state[v] == unseen && len(nodes[v].preds) == 0 {
			visit(v)
		}
	}
	for v := range nodes {
		if state[v] == unseen {
			visit(v)
		}
	}
	// Reverse post-order is a topological order of the acyclic part.
	maxLayer := 0
	for i := len(post) - 1; i >= 0; i-- {
		v := post[i]
		for _, p := range nodes[v].preds {
			if !back[[2]int{p, v}] && nodes[p].layer+1 > nodes[v].layer {
				nodes[v].layer = nodes[p].layer + 1
			}
		}
		maxLayer = max(maxLayer, nodes[v].layer)
	}
	layers := make([][]int, maxLayer+1)
	for v, n := range nodes {
		layers[n.layer] = append(layers[n.layer], v)
	}
	return layers
}

// orderLayers orders each layer by label, then by the mean position of
// neighbours in the previous (then the next) layer, a few times.
func orderLayers(nodes []*svgNode, layers [][]int) {
	setOrder := func(l []int) {
		for i, v := range l {
			nodes[v].order = float64(i)
		}
	}
	for _, l := range layers {
		sort.SliceStable(l, func(i, j int) bool { return nodes[l[i]].ep.Label() < nodes[l[j]].ep.Label() })
		setOrder(l)
	}
	bary := func(v int, nbrs []int) float64 {
		if len(nbrs) == 0 {
			return nodes[v].order
		}
		sum := 0.0
		for _, u := range nbrs {
			sum += nodes[u].order
		}
		return sum / float64(len(nbrs))
	}
	for range 4 {
		for li := 1; li < len(layers); li++ {
			l := layers[li]
			key := map[int]float64{}
			for _, v := range l {
				key[v] = bary(v, nodes[v].preds)
			}
			sort.SliceStable(l, func(i, j int) bool { return key[l[i]] < key[l[j]] })
			setOrder(l)
		}
		for li := len(layers) - 2; li >= 0; li-- {
			l := layers[li]
			key := map[int]float64{}
			for _, v := range l {
				key[v] = bary(v, nodes[v].succs)
			}
			sort.SliceStable(l, func(i, j int) bool { return key[l[i]] < key[l[j]] })
			setOrder(l)
		}
	}
}

// place sets node coordinates and returns the picture's size.
func place(nodes []*svgNode, layers [][]int) (float64, float64) {
	rows := 0
	for _, l := range layers {
		rows = max(rows, len(l))
	}
	colH := func(n int) float64 { return float64(n)*svgNodeH + float64(max(n-1, 0))*svgRowGap }
	totalH := colH(rows)
	x := svgMargin
	for _, l := range layers {
		colW := 0.0
		for _, v := range l {
			colW = math.Max(colW, nodes[v].w)
		}
		y := svgMargin + svgLineH*2 + (totalH-colH(len(l)))/2
		for _, v := range l {
			n := nodes[v]
			n.x = x + (colW-n.w)/2
			n.y = y
			y += svgNodeH + svgRowGap
		}
		x += colW + svgColGap
	}
	width := x - svgColGap + svgMargin
	if len(layers) <= 1 {
		width += svgColGap / 2 // room for self-loop labels
	}
	return math.Max(width, 200), totalH + 2*svgMargin + svgLineH*4
}

// linkPath draws a link and returns where its label goes.
func linkPath(a, b *svgNode) (string, float64, float64) {
	ay, by := a.y+svgNodeH/2, b.y+svgNodeH/2
	switch {
	case a == b: // a loop above the node
		x0, x1, y := a.x+a.w*0.35, a.x+a.w*0.65, a.y
		return fmt.Sprintf("M %.1f %.1f C %.1f %.1f, %.1f %.1f, %.1f %.1f", x0, y, x0-10, y-34, x1+10, y-34, x1, y), a.x + a.w/2, y - 30
	case b.layer > a.layer: // forward: right side to left side
		x0, x1 := a.x+a.w, b.x
		dx := (x1 - x0) / 2
		return fmt.Sprintf("M %.1f %.1f C %.1f %.1f, %.1f %.1f, %.1f %.1f", x0, ay, x0+dx, ay, x1-dx, by, x1, by),
			(x0 + x1) / 2, (ay + by) / 2
	default: // backwards or within a layer: a curve below both
		x0, x1 := a.x+a.w/2, b.x+b.w/2
		y0, y1 := a.y+svgNodeH, b.y+svgNodeH
		low := math.Max(y0, y1) + svgRowGap
		return fmt.Sprintf("M %.1f %.1f C %.1f %.1f, %.1f %.1f, %.1f %.1f", x0, y0, x0, low, x1, low, x1, y1),
			(x0 + x1) / 2, low - svgRowGap/4
	}
}

func writeLabel(b *strings.Builder, x, y float64, lines []string) {
	w := 0.0
	for _, l := range lines {
		w = math.Max(w, float64(len([]rune(l)))*svgCharW*0.9)
	}
	h := float64(len(lines)) * svgLineH
	top := y - h/2
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#ffffff" fill-opacity="0.85"/>`, x-w/2-3, top-2, w+6, h+4)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11" fill="#333">`, x, top)
	for i, l := range lines {
		fmt.Fprintf(b, `<tspan x="%.1f" dy="%.1f">%s</tspan>`, x, map[bool]float64{true: svgLineH - 3, false: svgLineH}[i == 0], xmlText(l))
	}
	b.WriteString("</text>\n")
}

// xmlText escapes text for SVG (and drops control characters).
func xmlText(s string) string {
	var b strings.Builder
	for _, r := range clean(s) {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
