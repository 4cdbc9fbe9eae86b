package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Environment describes where and how a table was measured.
type Environment struct {
	Date    time.Time
	Command string
	Machine string // cores, memory, disk, kernel
	Clip    string
	Runs    int
	Notes   []string
}

// column is one column of the results table.
type column struct {
	head string
	cell func(r *Result) string
}

var columns = []column{
	{"case", func(r *Result) string { return r.Case.String() }},
	{"server", func(r *Result) string { return r.Server }},
	{"CPU s", medianCell("%.2f", func(s *Sample) float64 { return s.CPU.Seconds() })},
	{"CPU s/GB", medianCell("%.2f", (*Sample).CPUPerGB)},
	{"CPU s/GB sent", medianCell("%.2f", (*Sample).CPUPerGBSent)},
	{"% core/stream", medianCell("%.3f", (*Sample).CorePerStream)},
	{"peak RSS MiB", medianCell("%.1f", func(s *Sample) float64 { return float64(s.HWM) / (1 << 20) })},
	{"RSS/stream KiB", medianCell("%.0f", func(s *Sample) float64 { return s.RSSPerStream() / 1024 })},
	{"recorded MB", medianCell("%.0f", func(s *Sample) float64 { return float64(s.Check.Bytes) / 1e6 })},
	{"disk MB/s", medianCell("%.1f", func(s *Sample) float64 { return s.DiskRate() / 1e6 })},
	{"complete", completeCell},
	{"connect p50/p99 ms", func(r *Result) string {
		if len(r.Samples) == 0 {
			return "–"
		}
		ms := func(s *Sample, d time.Duration) float64 { return float64(d) / 1e6 }
		return fmt.Sprintf("%.1f / %.1f", median(r.Samples, func(s *Sample) float64 { return ms(s, s.ConnectP50) }),
			median(r.Samples, func(s *Sample) float64 { return ms(s, s.ConnectP99) }))
	}},
	{"gen lag ms", medianCell("%.0f", func(s *Sample) float64 { return float64(s.MaxLag) / 1e6 })},
}

func medianCell(format string, f func(*Sample) float64) func(*Result) string {
	return func(r *Result) string {
		if len(r.Samples) == 0 {
			return "–"
		}
		return fmt.Sprintf(format, median(r.Samples, f))
	}
}

// completeCell shows complete files over streams, summed over the runs,
// plus publisher errors.
func completeCell(r *Result) string {
	if r.Skipped != "" {
		return "skipped: " + r.Skipped
	}
	var ok, all, errs int
	for _, s := range r.Samples {
		ok, all, errs = ok+s.Check.Complete, all+s.Streams, errs+s.Errors
	}
	cell := fmt.Sprintf("%d/%d", ok, all)
	if ok == all {
		cell = "yes " + cell
	}
	if errs > 0 {
		cell += fmt.Sprintf(", %d errors", errs)
	}
	return cell
}

// WriteText prints the results as an aligned table.
func WriteText(w io.Writer, results []*Result) {
	rows := [][]string{heads()}
	for _, r := range results {
		rows = append(rows, cells(r))
	}
	width := make([]int, len(columns))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, c := range row {
			fmt.Fprintf(&b, "%-*s  ", width[i], c)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	for _, line := range ratios(results) {
		fmt.Fprintln(w, line)
	}
}

// WriteMarkdown writes the results with the environment as Markdown.
func WriteMarkdown(w io.Writer, env Environment, results []*Result) {
	fmt.Fprintf(w, "# rtmprecd vs nginx-rtmp\n\n")
	fmt.Fprintf(w, "- date: %s\n- machine: %s\n- command: `%s`\n- clip: %s\n- medians of %d runs per case and server; servers alternate run by run\n",
		env.Date.UTC().Format("2006-01-02 15:04 UTC"), env.Machine, env.Command, env.Clip, env.Runs)
	for _, n := range env.Notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	fmt.Fprintf(w, "\n| %s |\n|%s\n", strings.Join(heads(), " | "), strings.Repeat("---|", len(columns)))
	for _, r := range results {
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells(r), " | "))
	}
	if lines := ratios(results); len(lines) > 0 {
		fmt.Fprintf(w, "\nRatios (medians; rtmprecd ÷ nginx-rtmp, and each rtmprecd format ÷ its FLV):\n\n")
		for _, l := range lines {
			fmt.Fprintf(w, "- %s\n", l)
		}
	}
	fmt.Fprintf(w, "\nColumns: CPU s is user+system time of every server process during the run (from /proc, children included); "+
		"CPU s/GB sent is per GB the publishers sent (the same for every format); %% core/stream is that per stream over the time it published; peak RSS is VmHWM summed over the processes, RSS/stream its growth over the idle RSS per stream; "+
		"disk MB/s is bytes recorded over the run's wall time (page cache included); complete counts files that hold every frame sent, read back with our strict FLV reader, MP4 checker (internal/mp4check) or MPEG-TS checker (internal/tscheck); "+
		"gen lag is how late the load generator sent its latest real-time frame.\n")
}

func heads() []string {
	h := make([]string, len(columns))
	for i, c := range columns {
		h[i] = c.head
	}
	return h
}

func cells(r *Result) []string {
	row := make([]string, len(columns))
	for i, c := range columns {
		row[i] = c.cell(r)
	}
	return row
}

// ratios compares rtmprecd with nginx-rtmp, and rtmprecd's other record
// formats with its FLV, case by case.
func ratios(results []*Result) []string {
	lines := formatRatios(results)
	for i, r := range results {
		if !strings.HasPrefix(r.Server, RTMPRecd) || len(r.Samples) == 0 {
			continue
		}
		for _, n := range results[i+1:] {
			if n.Server != Nginx || n.Case != r.Case || len(n.Samples) == 0 {
				continue
			}
			ratio := func(f func(*Sample) float64) string {
				a, b := median(r.Samples, f), median(n.Samples, f)
				if b == 0 {
					return "–"
				}
				return fmt.Sprintf("%.2f", a/b)
			}
			name := ""
			if r.Server != RTMPRecd {
				name = " (" + strings.TrimPrefix(r.Server, RTMPRecd+" ") + ")"
			}
			lines = append(lines, fmt.Sprintf("%s%s: CPU %s×, CPU/GB sent %s×, peak RSS %s×, RSS/stream %s×", r.Case, name,
				ratio(func(s *Sample) float64 { return s.CPU.Seconds() }), ratio((*Sample).CPUPerGBSent),
				ratio(func(s *Sample) float64 { return float64(s.HWM) }), ratio((*Sample).RSSPerStream)))
		}
	}
	return lines
}

// formatRatios compares each rtmprecd format with rtmprecd's FLV in the
// same case: the targets are CPU s per GB sent at most 1.3× FLV's and the
// same RSS per stream.
func formatRatios(results []*Result) []string {
	var lines []string
	for _, flv := range results {
		if flv.Server != RTMPRecd || len(flv.Samples) == 0 {
			continue
		}
		for _, r := range results {
			if r.Case != flv.Case || r.Server == RTMPRecd || !strings.HasPrefix(r.Server, RTMPRecd+" ") || len(r.Samples) == 0 {
				continue
			}
			ratio := func(f func(*Sample) float64) string {
				a, b := median(r.Samples, f), median(flv.Samples, f)
				if b == 0 {
					return "–"
				}
				return fmt.Sprintf("%.2f", a/b)
			}
			lines = append(lines, fmt.Sprintf("%s: %s ÷ FLV: CPU/GB sent %s×, RSS/stream %s×", r.Case,
				strings.TrimPrefix(r.Server, RTMPRecd+" "), ratio((*Sample).CPUPerGBSent), ratio((*Sample).RSSPerStream)))
		}
	}
	return lines
}

// Machine describes this machine: cores, CPU model, memory, the disk
// holding dir, and the kernel.
func Machine(dir string) string {
	cpu := firstField("/proc/cpuinfo", "model name")
	mem := firstField("/proc/meminfo", "MemTotal")
	if kb, err := strconv.ParseInt(strings.TrimSuffix(mem, " kB"), 10, 64); err == nil {
		mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d cores (%s), memory %s, disk %s, Linux %s", runtime.NumCPU(), cpu, mem, diskOf(dir), strings.TrimSpace(string(kernel)))
}

func firstField(path, key string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// diskOf returns the device and file system type of the mount holding dir.
func diskOf(dir string) string {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return "?"
	}
	best, desc := "", "?"
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		if strings.HasPrefix(dir, f[1]) && len(f[1]) > len(best) {
			best, desc = f[1], fmt.Sprintf("%s (%s on %s)", f[0], f[2], f[1])
		}
	}
	return desc
}
