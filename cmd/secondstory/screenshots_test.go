package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestScreenshots writes the screenshots of docs/screenshots/ from the served sample knowledge base. It runs only
// when asked, with the folder to write to:
//
//	SECONDSTORY_SCREENSHOTS=$PWD/docs/screenshots go test ./cmd/secondstory/ -run TestScreenshots
//
// Each page is taken at a phone's width (390 px) and a laptop's (1366 px), cut to its first screens.
// SECONDSTORY_SCREENSHOT_PAGES=home,incident takes only those, SECONDSTORY_SCREENSHOT_WIDTHS=1024,1920 other widths,
// SECONDSTORY_SCREENSHOT_FULL=1 whole pages, SECONDSTORY_SCREENSHOT_DARK=1 in dark mode, SECONDSTORY_SCREENSHOT_PATH=/tags/ one more page (named "extra").
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("SECONDSTORY_SCREENSHOTS")
	if dir == "" {
		t.Skip("set SECONDSTORY_SCREENSHOTS to a folder to write the screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	host := serveSite(t, "../../content")
	pages := []struct{ name, path string }{
		{"home", "/"},
		{"incident", "/incidents/2023-03-14-orders-db-failover/"},
		{"factors", "/factors/"},
		{"services", "/services/"},
		{"stats", "/stats/"},
		{"search", "/search/?q=dial+tcp+10.2.3.4%3A5432%3A+connect%3A+connection+refused"},
	}
	only := os.Getenv("SECONDSTORY_SCREENSHOT_PAGES")
	widths := []int64{390, 1366}
	if w := os.Getenv("SECONDSTORY_SCREENSHOT_WIDTHS"); w != "" {
		widths = nil
		for _, f := range strings.Split(w, ",") {
			n, _ := strconv.Atoi(f)
			widths = append(widths, int64(n))
		}
	}
	if extra := os.Getenv("SECONDSTORY_SCREENSHOT_PATH"); extra != "" {
		pages = append(pages, struct{ name, path string }{"extra", extra})
	}
	for _, width := range widths {
		height, screens := int64(844), 2.5
		if width > 500 {
			height, screens = 900, 2.2
		}
		for _, p := range pages {
			if only != "" && !strings.Contains(","+only+",", ","+p.name+",") {
				continue
			}
			mobile := func(m *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
				m.Mobile = width < 500
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, mobile)); err != nil {
				t.Fatal(err)
			}
			if os.Getenv("SECONDSTORY_SCREENSHOT_DARK") != "" {
				features := []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}
				if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: features}); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx, chromedp.Navigate("http://"+host+p.path)); err != nil {
				t.Fatal(err)
			}
			if p.name == "search" {
				poll(t, ctx, `document.querySelectorAll(".ss-hit").length > 0`)
			}
			full := do(t, ctx, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`))
			h := min(full, screens*float64(height))
			if os.Getenv("SECONDSTORY_SCREENSHOT_FULL") != "" {
				h = full
			}
			yes := true
			shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
				CaptureBeyondViewport: &yes, FromSurface: &yes, Format: page.CaptureScreenshotFormatPng,
				Clip: &page.Viewport{Width: float64(width), Height: h, Scale: 1},
			})
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(shot.Data))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, quantize(img)); err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(dir, p.name+"-"+strconv.Itoa(int(width))+".png")
			if err := os.WriteFile(name, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d KB, %.0f of %.0f px", name, out.Len()/1024, h, full)
		}
	}
}
