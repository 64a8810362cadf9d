package main

import (
	"image"
	"image/color"
	"sort"
)

// quantize maps a screenshot to at most 256 colours: the most frequent ones (a page has few: its background, text,
// accents, and their anti-aliased blends), each pixel to the nearest. PNGs of pages then take a third of the room.
func quantize(img image.Image) image.Image {
	b := img.Bounds()
	key := func(c color.Color) uint32 {
		r, g, bl, _ := c.RGBA()
		return (r>>11)<<10 | (g>>11)<<5 | bl>>11 // 5 bits a channel
	}
	count := map[uint32]int{}
	sum := map[uint32][3]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.At(x, y)
			k := key(c)
			count[k]++
			r, g, bl, _ := c.RGBA()
			s := sum[k]
			sum[k] = [3]int{s[0] + int(r>>8), s[1] + int(g>>8), s[2] + int(bl>>8)}
		}
	}
	keys := make([]uint32, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return count[keys[i]] > count[keys[j]] || count[keys[i]] == count[keys[j]] && keys[i] < keys[j]
	})
	keys = keys[:min(256, len(keys))]
	pal := make(color.Palette, len(keys))
	for i, k := range keys {
		s, n := sum[k], count[k]
		pal[i] = color.RGBA{uint8(s[0] / n), uint8(s[1] / n), uint8(s[2] / n), 255}
	}
	out := image.NewPaletted(b, pal)
	nearest := map[uint32]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.At(x, y)
			k := key(c)
			i, ok := nearest[k]
			if !ok {
				i = uint8(pal.Index(c))
				nearest[k] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	return out
}
